/**
 * patient-view: the Assessment of one patient → at most four cards, most urgent first.
 *
 * A chart is opened between patients and the cards are read in seconds, so: one summary card
 * (stage, plan with GRADE grades, next imaging), and a card of its own only for what asks for an
 * action now (surgical evaluation, overdue imaging, corticosteroid exposure, data that blocks
 * staging). Nothing else speaks: silence where there is nothing to say.
 */
import type { Card, OverrideReasonCoding, Suggestion } from '../cds-hooks/card.js';
import type { Assessment, DataGap, HipAssessment } from '../engine/types.js';
import { cardStamp, finishCard, overrideReason, type CardContext, type CardDraft } from './context.js';
import { followUpNeed, shortStudy, stageKnown } from './imaging-need.js';
import {
  imagingServiceRequest, planImaging, referralServiceRequest, studyName, type ImagingNeed, type ImagingOrder,
} from './resources.js';
import { conservativeCareWhy, summaryCard } from './summary-card.js';
import { SYSTEM, capitalise, clip, grade, hipName, hipsPhrase, sentence, stageText, theHips } from './vocabulary.js';

/** CDS Hooks clients show every card; more than four between two patients is not read. */
const MAX_CARDS = 4;

export function patientViewCards(assessment: Assessment, ctx: CardContext): Card[] {
  // clinical-spec.md 1 and 14: out of scope (no ONFH, under 18) → no card at all.
  if (!assessment.inScope) return [];
  const rules = ctx.ruleSets.length > 0 ? ctx.ruleSets : assessment.rules;
  const gapNeeds = gapImagingNeeds(assessment);
  // clinical-spec.md 14: every ONFH hip replaced → no stage, modality, imaging or surgery card;
  // the other, natural hip's MRI still speaks (the data-gap card).
  const drafts = assessment.hips.length === 0
    ? [dataGapCard(assessment, ctx, gapNeeds, [])]
    : hipCards(assessment, ctx, gapNeeds);
  const stamp = cardStamp(rules, ctx);
  return readable(drafts.filter((d): d is CardDraft => d !== undefined)).map((d) => finishCard(d, stamp, ctx));
}

function hipCards(assessment: Assessment, ctx: CardContext, gapNeeds: readonly GapNeed[]): (CardDraft | undefined)[] {
  const imaging = imagingOverdueCard(assessment, ctx, gapNeeds);
  return [
    surgicalEvaluationCard(assessment, ctx),
    imaging?.draft,
    corticosteroidCard(assessment),
    summaryCard(assessment, ctx),
    dataGapCard(assessment, ctx, gapNeeds, imaging?.orders ?? []),
  ];
}

/**
 * clinical-spec.md 14: at most four cards, no two with the same summary (the first, most urgent,
 * kept). Only when all five apply is one left out: the data-gap card, last in the list.
 */
export function readable<T extends { readonly summary: string }>(drafts: readonly T[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const d of drafts) {
    if (seen.has(d.summary) || out.length === MAX_CARDS) continue;
    seen.add(d.summary);
    out.push(d);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Imaging: which study each hip needs (clinical-spec.md section 8)

function orderSuggestion(order: ImagingOrder, patientId: string): Omit<Suggestion, 'uuid'> {
  return {
    label: `Order ${order.name}`,
    actions: [{ type: 'create', description: `Create a draft order: ${order.name}; ${order.coding.system === SYSTEM.loinc ? 'LOINC ' : ''}${order.coding.code}; reason: ONFH`, resource: imagingServiceRequest(order, patientId) }],
  };
}

/** Any of several orders may be chosen, or the one. */
function selectionFor(orders: readonly ImagingOrder[]): CardDraft['selectionBehavior'] {
  return orders.length > 1 ? 'any' : 'at-most-one';
}

/** The override reasons of each warning card: fixed wording, made once (frozen, shared by the cards). */
const overrideReasons = (...reasons: [code: string, display: string][]): readonly OverrideReasonCoding[] =>
  Object.freeze(reasons.map(([code, display]) => Object.freeze(overrideReason(code, display))));
const IMAGING_OVERRIDE_REASONS = overrideReasons(
  ['imaging-scheduled', 'Imaging already scheduled or done elsewhere'],
  ['patient-declined', 'Patient declined imaging'],
  ['surgery-planned', 'Surgery done or planned for this hip'],
);
const SURGICAL_OVERRIDE_REASONS = overrideReasons(
  ['already-referred', 'Already under orthopaedic care or referred'],
  ['patient-declined', 'Patient declines surgical evaluation'],
  ['surgery-not-appropriate', 'Surgery contraindicated or not appropriate now'],
);
const CORTICOSTEROID_OVERRIDE_REASONS = overrideReasons(
  ['corticosteroid-required', 'Corticosteroid required for another condition'],
  ['dose-reviewed', 'Dose and duration already reviewed'],
);

const INTERVAL_SOURCE =
  '_Study and interval: FAQ and SMALL (radiograph every 3 months, MRI every 6–12 months in cohort protocols). GL2025 grades no imaging interval._';

// ---------------------------------------------------------------------------------------------
// Card: imaging overdue (warning)

/** MRI needs raised by data gaps (a hip that cannot be staged; the other hip never imaged). */
interface GapNeed {
  readonly need: ImagingNeed;
  readonly gap: DataGap;
  readonly line: string;
  readonly short: string;
}

function gapImagingNeeds(a: Assessment): GapNeed[] {
  const out: GapNeed[] = [];
  for (const gap of a.dataGaps) {
    if (gap.code === 'staging-findings-missing') {
      const hip = a.hips.find((h) => h.side === (gap.side ?? h.side));
      // A recorded stage still stages the hip: then nothing is blocked.
      if (hip === undefined || stageKnown(hip)) continue;
      out.push({
        gap,
        need: { modality: 'MR', side: hip.side === 'unknown' ? 'both' : hip.side, forHip: hip },
        line: `**${hipName(hip.side)}**: cannot be staged, no staging findings on record. MRI is the diagnostic and staging study (GL2025 3.5.1; SMALL).`,
        short: `${hipsPhrase([hip.side])} not staged`,
      });
    } else if (gap.code === 'contralateral-hip-not-imaged' && (gap.side === 'left' || gap.side === 'right')) {
      const side = gap.side;
      const affected = a.hips.filter((h) => h.side !== side);
      // clinical-spec.md 14: when the ONFH hip was replaced, its ONFH is still the reason to image the other hip
      const forHip = affected[0] ?? replacedOnfhHip(a, side === 'left' ? 'right' : 'left');
      if (forHip === undefined) continue;
      out.push({
        gap,
        need: { modality: 'MR', side, forHip, note: `Contralateral ${side} hip: non-traumatic ONFH is often bilateral (70–80 %, SMALL).` },
        line: `**${hipName(side)}**: no MRI on record. Non-traumatic ONFH is often bilateral (70–80 %), so both hips need evaluation (SMALL).`,
        short: `${side} hip never imaged by MRI`,
      });
    }
  }
  return out;
}

/** A replaced hip as the reason of an order (its ONFH on record; no assessment of it). */
function replacedOnfhHip(a: Assessment, side: 'left' | 'right'): HipAssessment | undefined {
  if (!a.replacedHips.includes(side)) return undefined;
  return {
    side, conditions: [], etiology: 'non-traumatic', findings: {}, sizeCategory: null,
    stage: { arco: null, chinese: null, source: null, recorded: null }, recommendations: [],
    followUp: { modality: 'MR', intervalMonths: 6, lastStudy: null, due: a.evaluatedAt, overdue: false },
    surgicalEvaluation: { indicated: false, reasons: [] }, progressionRisk: { high: false, factors: [] },
  };
}

function covers(order: ImagingOrder, need: ImagingNeed): boolean {
  return order.modality === need.modality && (order.side === 'both' || order.side === need.side);
}

function imagingOverdueCard(a: Assessment, ctx: CardContext, gaps: readonly GapNeed[]): { draft: CardDraft; orders: ImagingOrder[] } | undefined {
  const overdue = a.hips.filter((h) => h.followUp.overdue);
  if (overdue.length === 0) return undefined;
  // clinical-spec.md 14: in pregnancy the follow-up MRI is ordered without contrast
  const needs = overdue.map((h) => (a.pregnant ? { ...followUpNeed(h), note: 'Pregnancy: MRI without contrast.' } : followUpNeed(h)));
  // An MRI that is due anyway also takes in a gap's MRI (one bilateral study rather than two).
  const gapNeeds = needs.some((n) => n.modality === 'MR') ? gaps.filter((g) => g.need.modality === 'MR') : [];
  const { orders, unorderable } = planImaging([...needs, ...gapNeeds.map((g) => g.need)], ctx.imagingOrders);

  const many = a.hips.length > 1;
  const neverImaged = overdue.every((h) => h.followUp.lastStudy === null);
  let earliestDue = overdue[0]?.followUp.due ?? a.evaluatedAt;
  for (const h of overdue) if (h.followUp.due < earliestDue) earliestDue = h.followUp.due;
  const studies = [...new Set(needs.map((n) => shortStudy(n, many)))].join(' and ');
  const summary = neverImaged
    ? `No imaging of ${theHips(overdue.map((h) => h.side))} on record: ${studies} due now`
    : `Follow-up imaging overdue: ${studies} due ${earliestDue}`;

  const lines = overdue.map((hip) => {
    const fu = hip.followUp;
    const study = capitalise(studyName(fu.modality, followUpNeed(hip).side === 'both' ? 'both' : hip.side));
    const when = fu.lastStudy === null
      ? `${study}: no imaging on record, due now.`
      : `${study} every ${String(fu.intervalMonths)} months: last study ${fu.lastStudy}, due ${fu.due}.`;
    const why = fu.reasons !== undefined && fu.reasons.length > 0 ? ` Why: ${sentence(fu.reasons.join('; '))}` : '';
    return `- **${hipName(hip.side)}** (${stageText(hip.stage)}): ${when}${why}`;
  });
  for (const g of gapNeeds) lines.push(`- ${g.line}`);
  for (const n of unorderable) {
    lines.push(`- ${studyName(n.modality, 'unknown')} cannot be ordered until the side of the diagnosis is recorded.`);
  }
  return {
    orders,
    draft: {
      summary: clip(summary),
      detail: [...lines, '', INTERVAL_SOURCE].join('\n'),
      indicator: 'warning',
      // one suggestion per order (an empty list: none, see finishCard)
      suggestions: orders.map((o) => orderSuggestion(o, ctx.patientId)),
      selectionBehavior: selectionFor(orders),
      overrideReasons: IMAGING_OVERRIDE_REASONS,
      ruleSet: 'imaging-follow-up',
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Card: surgical evaluation indicated (warning) — clinical-spec.md 7.1

function surgicalEvaluationCard(a: Assessment, ctx: CardContext): CardDraft | undefined {
  const hips = a.hips.filter((h) => h.surgicalEvaluation.indicated);
  const first = hips[0];
  if (first === undefined) return undefined;
  // The engine's reasons are sentences: they go in the detail; the summary stays one glance long.
  const summary = hips.length > 1
    ? `Surgical evaluation indicated for ${theHips(hips.map((h) => h.side))}: refer to orthopaedic surgery`
    : `${hipName(first.side)}, ${stageText(first.stage)}: surgical evaluation indicated; refer to orthopaedic surgery`;
  const lines = hips.flatMap((hip) => [
    `**${hipName(hip.side)}** (${stageText(hip.stage)})`,
    ...hip.surgicalEvaluation.reasons.map((r) => `- ${r}`),
    '',
  ]);
  // Clinical review C1: when 7.2 also says conservative care (a contraindication to surgery, both
  // hips, age), say so here, so this card and the summary card do not read as contradicting.
  const alsoConservative = a.conservativeCare.indicated
    ? [`**Conservative care also applies**${conservativeCareWhy(a)} (TCM). Weigh both with the surgeon.`, '']
    : [];
  return {
    summary: clip(summary),
    detail: [
      ...lines,
      ...alsoConservative,
      'Refer to an orthopaedic surgeon for surgical evaluation.',
      '',
      '_Sources: TCM (signs of progression needing surgical intervention); GL2025 Table 4 and SMALL (ARCO 3B–4 with pain or loss of function: joint replacement to discuss); FAQ (progression on serial imaging)._',
    ].join('\n'),
    indicator: 'warning',
    suggestions: [{
      label: 'Refer to orthopaedic surgery',
      actions: [{
        type: 'create',
        description: `Create a draft referral to orthopaedic surgery: surgical evaluation of ${theHips(hips.map((h) => h.side))}`,
        resource: referralServiceRequest(hips, ctx.patientId),
      }],
    }],
    selectionBehavior: 'at-most-one',
    overrideReasons: SURGICAL_OVERRIDE_REASONS,
    ruleSet: 'surgical-evaluation',
  };
}

// ---------------------------------------------------------------------------------------------
// Card: active systemic corticosteroid (warning) — clinical-spec.md section 10

function corticosteroidCard(a: Assessment): CardDraft | undefined {
  // The risk factor's `evidence` is the rule's own sentence, not the order: it is not repeated here.
  if (!a.riskFactors.some((r) => r.id === 'corticosteroid-exposure')) return undefined;
  const simvastatin = a.hips.flatMap((h) => h.recommendations).find((r) => r.modality === 'simvastatin' && (r.status === 'consider' || r.status === 'recommended'));
  return {
    summary: 'Active systemic corticosteroid: a common cause of non-traumatic ONFH (GL2025 3.3.2); review with the prescriber',
    detail: [
      'An active systemic corticosteroid order or statement is on record.',
      '',
      'GL2025 3.3.2 names long-term corticosteroid use among the common precipitating factors of non-traumatic ONFH.',
      '',
      'Suggested by this service, not graded by GL2025: review whether the corticosteroid is still needed and, if it is, use the lowest effective dose for the shortest time.',
      ...(simvastatin === undefined
        ? []
        : ['', `Simvastatin ${grade(simvastatin)} ${simvastatin.status === 'consider' ? 'may be considered' : 'is recommended'}: GL2025 3.7.2 gives it to reduce the risk of corticosteroid- or alcohol-induced osteonecrosis (Table 6).`]),
    ].join('\n'),
    indicator: 'warning',
    overrideReasons: CORTICOSTEROID_OVERRIDE_REASONS,
    ruleSet: 'risk-factors',
  };
}

// ---------------------------------------------------------------------------------------------
// Card: data that blocks staging, the other hip never imaged, side not recorded (info)

function dataGapCard(a: Assessment, ctx: CardContext, gaps: readonly GapNeed[], alreadyOrdered: readonly ImagingOrder[]): CardDraft | undefined {
  const imaging = gaps.filter((g) => !alreadyOrdered.some((o) => covers(o, g.need)));
  const sideUnknown = a.dataGaps.some((g) => g.code === 'side-unknown');
  const shorts = [...imaging.map((g) => g.short), ...(sideUnknown ? ['side of the diagnosis not recorded'] : [])];
  if (shorts.length === 0) return undefined;

  const lines = imaging.map((g) => `- ${g.line}`);
  if (sideUnknown) lines.push('- **Side not recorded**: the ONFH diagnosis names no hip. Record the side on the Condition (code or body site) so findings, follow-up and orders can be attributed.');
  const { orders } = planImaging(imaging.map((g) => g.need), ctx.imagingOrders);

  let summary: string;
  const one = imaging[0];
  if (shorts.length > 1 || one === undefined) {
    summary = shorts.length === 1 ? 'Side of the ONFH diagnosis not recorded: add it to the Condition' : `Data needed: ${shorts.join('; ')}`;
  } else if (one.gap.code === 'contralateral-hip-not-imaged') {
    summary = `${capitalise(one.short)}: non-traumatic ONFH is often bilateral (70–80 %); evaluate both hips`;
  } else {
    summary = `${capitalise(one.short)}: no staging findings on record; MRI is the staging study`;
  }
  return {
    summary: clip(summary),
    detail: lines.join('\n'),
    indicator: 'info',
    suggestions: orders.map((o) => orderSuggestion(o, ctx.patientId)),
    selectionBehavior: selectionFor(orders),
    ruleSet: 'imaging-follow-up',
  };
}
