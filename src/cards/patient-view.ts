/**
 * patient-view: the Assessment of one patient → at most four cards, most urgent first.
 *
 * A chart is opened between patients and the cards are read in seconds, so: one summary card
 * (stage, plan with GRADE grades, next imaging), and a card of its own only for what asks for an
 * action now (surgical evaluation, overdue imaging, corticosteroid exposure, data that blocks
 * staging). Nothing else speaks: silence where there is nothing to say.
 */
import type { Card, OverrideReasonCoding, Suggestion } from '../cds-hooks/card.js';
import {
  MODALITY_IDS, type Assessment, type DataGap, type HipAssessment, type ModalityId, type Recommendation, type RecommendationStatus,
} from '../engine/types.js';
import { cardStamp, finishCard, guidelineLinks, overrideReason, type CardContext, type CardDraft } from './context.js';
import {
  imagingServiceRequest, planImaging, referralServiceRequest, studyName, type ImagingNeed, type ImagingOrder,
} from './resources.js';
import {
  MODALITY, MODALITY_GROUP_ORDER, SYSTEM, capitalise, cell, clip, grade, hipName, hipsPhrase, ownWord, sentence, sizeText, stageText, theHips,
  type HipSide, type ModalityGroup,
} from './vocabulary.js';

/** CDS Hooks clients show every card; more than four between two patients is not read. */
const MAX_CARDS = 4;

export function patientViewCards(assessment: Assessment, ctx: CardContext): Card[] {
  // clinical-spec.md section 1: out of scope → no card at all.
  if (!assessment.inScope || assessment.hips.length === 0) return [];
  const rules = ctx.ruleSets.length > 0 ? ctx.ruleSets : assessment.rules;

  const gapNeeds = gapImagingNeeds(assessment);
  const imaging = imagingOverdueCard(assessment, ctx, gapNeeds);
  const drafts = [
    surgicalEvaluationCard(assessment, ctx),
    imaging?.draft,
    corticosteroidCard(assessment),
    summaryCard(assessment, ctx),
    dataGapCard(assessment, ctx, gapNeeds, imaging?.orders ?? []),
  ].filter((d): d is CardDraft => d !== undefined);
  // Only when all five apply is one left out: the data-gap card, whose gaps the summary also lists.
  const stamp = cardStamp(rules, ctx);
  return drafts.slice(0, MAX_CARDS).map((d) => finishCard(d, stamp, ctx));
}

// ---------------------------------------------------------------------------------------------
// Imaging: which study each hip needs (clinical-spec.md section 8)

function stageKnown(hip: HipAssessment): boolean {
  return hip.stage.arco !== null || hip.stage.chinese !== null;
}

/** The follow-up study of a hip: radiographs are always of both hips; MRI of both when unstaged. */
function followUpNeed(hip: HipAssessment): ImagingNeed {
  const { modality } = hip.followUp;
  const side = modality === 'XR' || (modality === 'MR' && !stageKnown(hip)) ? 'both' : hip.side;
  return { modality, side, forHip: hip };
}

function shortStudy(need: ImagingNeed, manyHips: boolean): string {
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
      const forHip = affected[0];
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

function covers(order: ImagingOrder, need: ImagingNeed): boolean {
  return order.modality === need.modality && (order.side === 'both' || order.side === need.side);
}

function imagingOverdueCard(a: Assessment, ctx: CardContext, gaps: readonly GapNeed[]): { draft: CardDraft; orders: ImagingOrder[] } | undefined {
  const overdue = a.hips.filter((h) => h.followUp.overdue);
  if (overdue.length === 0) return undefined;
  const needs = overdue.map(followUpNeed);
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
// Card: summary (info)

type ListedStatus = Exclude<RecommendationStatus, 'not-applicable'>;

const STATUS_HEADING: Readonly<Record<ListedStatus, string>> = {
  recommended: '**Recommended** (strong)',
  consider: '**Consider**',
  'no-recommendation': '**No clear recommendation**',
  'not-recommended': '**Not recommended**',
  contraindicated: '**Contraindicated for this patient**',
};
const STATUS_ORDER: readonly ListedStatus[] = ['recommended', 'consider', 'no-recommendation', 'not-recommended', 'contraindicated'];

/** One hip's recommendation of a modality. */
interface Listed {
  /** The hip's place in Assessment.hips (two hips may share a side). */
  readonly hip: number;
  readonly side: HipSide;
  readonly rec: Recommendation;
}

const MODALITY_INDEX: ReadonlyMap<string, number> = new Map(MODALITY_IDS.map((m, i) => [m, i]));

/**
 * Every hip's recommendations by modality, in clinical-spec.md section 5 order (within one, hips
 * in order, then each hip's own order): one pass over the Assessment for all the summary's lists.
 */
function byModality(a: Assessment): Listed[][] {
  const lists: Listed[][] = MODALITY_IDS.map(() => []);
  a.hips.forEach((h, hip) => {
    for (const rec of h.recommendations) {
      const i = MODALITY_INDEX.get(rec.modality);
      if (i !== undefined) lists[i]?.push({ hip, side: h.side, rec });
    }
  });
  return lists;
}

interface Entry {
  readonly modality: ModalityId;
  readonly rec: Recommendation;
  readonly sides: HipSide[];
}

/** GRADE evidence letters in order; anything else is compared as text, as it always was. */
function compareEvidence(x: string, y: string): number {
  const rx = evidenceRank(x);
  const ry = evidenceRank(y);
  return rx > 0 && ry > 0 ? rx - ry : x.localeCompare(y);
}

function evidenceRank(e: string): number {
  return e === 'A' ? 1 : e === 'B' ? 2 : e === 'C' ? 3 : e === 'D' ? 4 : 0;
}

function entriesByStatus(lists: readonly (readonly Listed[])[], status: ListedStatus): Entry[] {
  const entries: Entry[] = [];
  MODALITY_IDS.forEach((modality, i) => {
    let entry: Entry | undefined;
    for (const x of lists[i] ?? []) {
      if (x.rec.status !== status) continue;
      if (entry === undefined) {
        entry = { modality, rec: x.rec, sides: [x.side] };
        entries.push(entry);
      } else {
        entry.sides.push(x.side);
      }
    }
  });
  // Strong before weak, high evidence before low; table order otherwise (stable sort).
  return entries.sort((x, y) => x.rec.strength - y.rec.strength || compareEvidence(x.rec.evidence, y.rec.evidence));
}

/** "left hip only" when a patient with more than one affected hip has an entry not about every hip. */
function onlyFor(a: Assessment, sides: readonly HipSide[]): string | undefined {
  return a.hips.length > 1 && sides.length < a.hips.length ? `${hipsPhrase(sides)} only` : undefined;
}

function qualified(text: string, qualifiers: readonly (string | undefined)[]): string {
  let q = '';
  for (const x of qualifiers) if (x !== undefined && x !== '') q = q === '' ? x : `${q}; ${x}`;
  return q === '' ? text : `${text} (${q})`;
}

function item(a: Assessment, e: Entry, withReasons: boolean): string {
  return qualified(`${MODALITY[e.modality].name} ${grade(e.rec)}`, withReasons ? [onlyFor(a, e.sides), ...e.rec.reasons] : [onlyFor(a, e.sides)]);
}

function groupedLines(a: Assessment, entries: readonly Entry[], withReasons: (e: Entry) => boolean): string[] {
  const byGroup = new Map<ModalityGroup, string[]>();
  for (const e of entries) {
    const g = MODALITY[e.modality].group;
    const text = item(a, e, withReasons(e));
    const items = byGroup.get(g);
    if (items === undefined) byGroup.set(g, [text]);
    else items.push(text);
  }
  const lines: string[] = [];
  for (const g of MODALITY_GROUP_ORDER) {
    const items = byGroup.get(g);
    if (items !== undefined) lines.push(`- ${g}: ${items.join(', ')}`);
  }
  return lines;
}

/** Why a modality is not recommended or contraindicated; the bisphosphonates in GL2025's own words. */
function whyNot(modality: ModalityId, rec: Recommendation): string {
  if (modality === 'zoledronic-acid' || modality === 'alendronate') {
    return 'high-quality evidence indicates they do not improve outcomes in ONFH (GL2025 Table 6)';
  }
  return rec.reasons.length > 0 ? rec.reasons.join('; ') : rec.source;
}

/** Items sharing the same reasons and hips share a line: "PRP A1, SVF B1: active malignancy". */
function reasonLines(a: Assessment, lists: readonly (readonly Listed[])[], status: 'not-recommended' | 'contraindicated'): string[] {
  const lines = new Map<string, { names: string[]; why: string }>();
  MODALITY_IDS.forEach((modality, i) => {
    let byWhy: Map<string, { rec: Recommendation; sides: HipSide[] }> | undefined;
    for (const { side, rec } of lists[i] ?? []) {
      if (rec.status !== status) continue;
      const why = whyNot(modality, rec);
      byWhy ??= new Map();
      const seen = byWhy.get(why);
      if (seen === undefined) byWhy.set(why, { rec, sides: [side] });
      else seen.sides.push(side);
    }
    if (byWhy === undefined) return;
    for (const [why, { rec, sides }] of byWhy) {
      const key = `${why}|${sides.join(',')}`;
      const line = lines.get(key) ?? { names: [], why: qualified(why, [onlyFor(a, sides)]) };
      line.names.push(`${MODALITY[modality].name} ${grade(rec)}`);
      lines.set(key, line);
    }
  });
  return [...lines.values()].map((l) => `- ${capitalise(l.names.join(', '))}: ${l.why}`);
}

/** Caveats that always go with a modality (clinical-spec.md 5.1: core decompression). */
function noteLines(a: Assessment, lists: readonly (readonly Listed[])[]): string[] {
  const out: string[] = [];
  MODALITY_IDS.forEach((modality, i) => {
    let seen: Map<string, HipSide[]> | undefined;
    let lastHip = -1;
    for (const { hip, side, rec } of lists[i] ?? []) {
      // Each hip's first recommended or considered entry of the modality speaks for the hip.
      if (hip === lastHip || (rec.status !== 'recommended' && rec.status !== 'consider')) continue;
      lastHip = hip;
      const combinations = rec.combinations !== undefined && rec.combinations.length > 0;
      if (!combinations && (rec.notes === undefined || rec.notes.length === 0)) continue;
      const parts = (rec.notes ?? []).map(sentence);
      if (combinations) parts.push(`A1 combinations (GL2025 Table 11): ${rec.combinations.join(', ')}.`);
      const text = parts.join(' ');
      seen ??= new Map();
      const sides = seen.get(text);
      if (sides === undefined) seen.set(text, [side]);
      else sides.push(side);
    }
    if (seen === undefined) return;
    for (const [text, sides] of seen) {
      out.push(`- ${qualified(capitalise(MODALITY[modality].name), [onlyFor(a, sides)])}: ${text}`);
    }
  });
  return out;
}

const RISK_FACTOR_TEXT: Readonly<Record<string, string>> = {
  smoking: 'smoking (cessation)',
  alcohol: 'alcohol (cessation)',
  overweight: 'overweight (weight reduction)',
  diabetes: 'diabetes (glucose control)',
};

/** rules/surgery/conservative-care.json indication ids (clinical-spec.md 7.2), in a clinician's words. */
const CONSERVATIVE_CARE_TEXT: Readonly<Record<string, string>> = {
  'early-stage': 'early stage (ARCO 1–2), femoral head and joint space preserved',
  'age-over-65-pain-not-severe': 'over 65 with pain that is not severe',
  'late-stage-surgery-contraindicated': 'ARCO 3 or worse with a contraindication to surgery',
  'late-stage-bilateral': 'ARCO 3 or worse with both hips affected',
};

/** rules/risk-factors progression factor ids (clinical-spec.md section 10). */
const PROGRESSION_TEXT: Readonly<Record<string, string>> = {
  'bone-marrow-edema': 'bone marrow edema',
  'joint-effusion': 'joint effusion',
  'large-lesion': 'lesion > 30 %',
  'jic-type': 'JIC type C1/C2',
  'kerboul-angle': 'Kerboul angle ≥ 200°',
  'age-over-40': 'age > 40 (secondary source)',
  'bmi-over-24': 'BMI > 24 (secondary source)',
};

/** Engine reason codes such as "early-stage" read as words; free text passes through. */
/** ": early stage (ARCO 1–2), …": which of clinical-spec.md 7.2's conditions applied, in words ("" when none is named). */
function conservativeCareWhy(a: Assessment): string {
  const why = a.conservativeCare.reasons.map((r) => words(r, CONSERVATIVE_CARE_TEXT)).join('; ');
  return why === '' ? '' : `: ${why}`;
}

function words(reason: string, known: Readonly<Record<string, string>> = {}): string {
  const text = ownWord(known, reason);
  if (text !== undefined) return text;
  return /^[a-z0-9]+(-[a-z0-9]+)+$/.test(reason) ? reason.replace(/-/g, ' ') : reason;
}

function nextImagingCell(hip: HipAssessment): string {
  const fu = hip.followUp;
  const need = followUpNeed(hip);
  const study = studyName(need.modality, need.side === 'both' ? 'both' : hip.side);
  // clinical-spec.md section 8: no study on record → due on the evaluation date.
  if (fu.lastStudy === null) return `${study}, **due now** (no imaging on record)`;
  const when = fu.overdue ? `**overdue** since ${fu.due}` : `due ${fu.due}`;
  return `${study}, ${when} (every ${String(fu.intervalMonths)} months; last ${fu.lastStudy})`;
}

function nextWhen(fu: HipAssessment['followUp']): string {
  if (fu.lastStudy === null) return 'due now';
  return fu.overdue ? `overdue since ${fu.due}` : `due ${fu.due}`;
}

function summaryLine(a: Assessment): string {
  const many = a.hips.length > 1;
  const first = a.hips[0];
  const stagePart = many || first === undefined
    ? `ONFH: ${a.hips.map((h) => `${h.side === 'unknown' ? 'side not recorded' : h.side} ${stageText(h.stage)}`).join(', ')}`
    : `${first.side === 'unknown' ? 'Hip ONFH (side not recorded)' : `${hipName(first.side)} ONFH`}: ${stageText(first.stage)}${first.sizeCategory === null ? '' : `, ${first.sizeCategory} lesion`}`;
  const care = a.conservativeCare.indicated ? ' · conservative care' : '';
  const next = [...a.hips].sort((x, y) => x.followUp.due.localeCompare(y.followUp.due))[0];
  const nextPart = next === undefined
    ? ''
    : ` · next: ${shortStudy(followUpNeed(next), many)} ${nextWhen(next.followUp)}`;
  return clip(`${stagePart}${care}${nextPart}`);
}

function summaryCard(a: Assessment, ctx: CardContext): CardDraft {
  const row = (label: string, f: (h: HipAssessment) => string): string => `| ${label} | ${a.hips.map((h) => cell(f(h))).join(' | ')} |`;
  // The detail's lines, its sections apart by an empty line, joined once at the end.
  const lines = [
    `| | ${a.hips.map((h) => hipName(h.side)).join(' | ')} |`,
    `|---|${a.hips.map(() => '---').join('|')}|`,
    row('Stage', (h) => stageText(h.stage)),
    row('Lesion size', (h) => sizeText(h) ?? 'unknown'),
    row('Next imaging', nextImagingCell),
  ];
  if (a.hips.some((h) => h.progressionRisk.high)) {
    lines.push(row('Progression risk', (h) => (h.progressionRisk.high ? `high: ${h.progressionRisk.factors.map((f) => words(f, PROGRESSION_TEXT)).join(', ')}` : 'not high')));
  }
  const section = (heading: string, body: readonly string[] = []): void => {
    lines.push('', heading);
    for (const line of body) lines.push(line);
  };

  if (a.conservativeCare.indicated) {
    section(`**Conservative care is the indicated path**${conservativeCareWhy(a)} (TCM).`);
  }
  const byMod = byModality(a);
  for (const status of STATUS_ORDER) {
    let body: string[];
    if (status === 'not-recommended' || status === 'contraindicated') body = reasonLines(a, byMod, status);
    else body = groupedLines(a, entriesByStatus(byMod, status), (e) => status === 'consider' && e.rec.strength === 1);
    if (body.length > 0) section(STATUS_HEADING[status], body);
  }
  const notes = noteLines(a, byMod);
  if (notes.length > 0) section('**Notes**', notes);
  const risks = a.riskFactors.filter((r) => r.id !== 'corticosteroid-exposure').map((r) => ownWord(RISK_FACTOR_TEXT, r.id) ?? words(r.id));
  if (risks.length > 0) section(`**Risk factors to address**: ${[...new Set(risks)].join(', ')}.`);
  if (a.dataGaps.length > 0) section('**Data to complete**', a.dataGaps.map((g) => `- ${sentence(g.message)}`));
  section('_GRADE (GL2025 Table 1): evidence A high to D very low; strength 1 strong, 2 weak, 3 no clear recommendation._');

  return {
    summary: summaryLine(a),
    detail: lines.join('\n'),
    indicator: 'info',
    links: guidelineLinks(ctx, 'Guideline: non-surgical treatment of ONFH (GL2025)', 'gl2025-modalities'),
    ruleSet: 'gl2025-modalities',
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
