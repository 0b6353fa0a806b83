/**
 * patient-view, the imaging cards: overdue follow-up imaging (clinical-spec.md section 8) and the
 * data-gap card (imaging that would unblock staging), each with its draft ServiceRequests.
 */
import type { OverrideReasonCoding, Suggestion } from '../cds-hooks/card.js';
import type { Assessment, DataGap, HipAssessment } from '../engine/types.js';
import { overrideReason, type CardContext, type CardDraft } from './context.js';
import { imagingServiceRequest, planImaging, studyName, type ImagingNeed, type ImagingOrder } from './resources.js';
import { SYSTEM, capitalise, clip, hipName, hipsPhrase, sentence, stageText, theHips } from './vocabulary.js';

// ---------------------------------------------------------------------------------------------
// Imaging: which study each hip needs (clinical-spec.md section 8)

function stageKnown(hip: HipAssessment): boolean {
  return hip.stage.arco !== null || hip.stage.chinese !== null;
}

/** The follow-up study of a hip: radiographs are always of both hips; MRI of both when unstaged. */
export function followUpNeed(hip: HipAssessment): ImagingNeed {
  const { modality } = hip.followUp;
  const side = modality === 'XR' || (modality === 'MR' && !stageKnown(hip)) ? 'both' : hip.side;
  return { modality, side, forHip: hip };
}

export function shortStudy(need: ImagingNeed, manyHips: boolean): string {
  const name = need.modality === 'XR' ? 'radiographs' : need.modality === 'MR' ? 'MRI' : 'CT';
  if (need.modality === 'XR' || !manyHips) return name;
  return need.side === 'both' ? `${name} both hips` : `${name} ${need.side} hip`;
}

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
export const overrideReasons = (...reasons: [code: string, display: string][]): readonly OverrideReasonCoding[] =>
  Object.freeze(reasons.map(([code, display]) => Object.freeze(overrideReason(code, display))));
const IMAGING_OVERRIDE_REASONS = overrideReasons(
  ['imaging-scheduled', 'Imaging already scheduled or done elsewhere'],
  ['patient-declined', 'Patient declined imaging'],
  ['surgery-planned', 'Surgery done or planned for this hip'],
);
const INTERVAL_SOURCE =
  '_Study and interval: FAQ and SMALL (radiograph every 3 months, MRI every 6–12 months in cohort protocols). GL2025 grades no imaging interval._';

// ---------------------------------------------------------------------------------------------
// Card: imaging overdue (warning)

/** MRI needs raised by data gaps (a hip that cannot be staged; the other hip never imaged). */
export interface GapNeed {
  readonly need: ImagingNeed;
  readonly gap: DataGap;
  readonly line: string;
  readonly short: string;
}

export function gapImagingNeeds(a: Assessment): GapNeed[] {
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

/** design.md 5: imaging the EHR could not give (a refused search) may hold the last study: the dates may be wrong. */
const IMAGING_SOURCES = new Set(['DiagnosticReport', 'ImagingStudy', 'DocumentReference', 'Procedure']);

function imagingSourcesCaveat(a: Assessment): string | undefined {
  const missing = a.dataGaps.filter((g) => g.code === 'source-unavailable' && g.resource !== undefined && IMAGING_SOURCES.has(g.resource)).map((g) => g.resource ?? '');
  if (missing.length === 0) return undefined;
  return `**Imaging record incomplete**: ${missing.join(', ')} could not be read from the EHR; follow-up dates may be wrong.`;
}

export function imagingOverdueCard(a: Assessment, ctx: CardContext, gaps: readonly GapNeed[]): { draft: CardDraft; orders: ImagingOrder[] } | undefined {
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
  // clinical-spec.md 14: the action first
  const summary = neverImaged
    ? `Order ${studies}: no imaging of ${theHips(overdue.map((h) => h.side))} on record`
    : `Order ${studies}: follow-up of ${theHips(overdue.map((h) => h.side))} overdue since ${earliestDue}`;

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
  const caveat = imagingSourcesCaveat(a);
  if (caveat !== undefined) lines.push(`- ${caveat}`);
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
// Card: data that blocks staging, the other hip never imaged, side not recorded (info)

export function dataGapCard(a: Assessment, ctx: CardContext, gaps: readonly GapNeed[], alreadyOrdered: readonly ImagingOrder[]): CardDraft | undefined {
  const imaging = gaps.filter((g) => !alreadyOrdered.some((o) => covers(o, g.need)));
  const sideUnknown = a.dataGaps.some((g) => g.code === 'side-unknown');
  const shorts = [...imaging.map((g) => g.short), ...(sideUnknown ? ['side of the diagnosis not recorded'] : [])];
  if (shorts.length === 0) return undefined;

  const lines = imaging.map((g) => `- ${g.line}`);
  if (sideUnknown) lines.push('- **Side not recorded**: the ONFH diagnosis names no hip. Record the side on the Condition (code or body site) so findings, follow-up and orders can be attributed.');
  const { orders } = planImaging(imaging.map((g) => g.need), ctx.imagingOrders);

  // clinical-spec.md 14: the action first
  let summary: string;
  const one = imaging[0];
  if (shorts.length > 1 || one === undefined) {
    summary = shorts.length === 1 ? 'Record the side of the ONFH diagnosis on the Condition: no hip is named' : `Complete the record: ${shorts.join('; ')}`;
  } else if (one.gap.code === 'contralateral-hip-not-imaged') {
    summary = `Order ${studyName('MR', one.need.side)}: never imaged by MRI, and non-traumatic ONFH is often bilateral (70–80 %)`;
  } else {
    summary = `Order ${studyName('MR', one.need.side)} for staging: no staging findings on record`;
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
