/**
 * patient-view, the summary card: stage, the plan by recommendation status with GRADE grades, next
 * imaging, risk factors (clinical-spec.md sections 4-10), in words a clinician reads in seconds.
 */
import type { Assessment, HipAssessment, Recommendation } from '../engine/types.js';
import { MODALITY_IDS, type ModalityId, type RecommendationStatus } from '../vocabulary/index.js';
import { guidelineLinks, type CardContext, type CardDraft } from './context.js';
import { studyName } from './resources.js';
import {
  MODALITY, MODALITY_GROUP_ORDER, capitalise, cell, clip, grade, hipName, hipsPhrase, ownWord, sentence, sizeText, stageText,
  type HipSide, type ModalityGroup,
} from './vocabulary.js';
import { followUpNeed, shortStudy } from './patient-view-imaging.js';

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
export function conservativeCareWhy(a: Assessment): string {
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

export function summaryCard(a: Assessment, ctx: CardContext): CardDraft {
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
    links: guidelineLinks(ctx, 'Guideline: non-surgical treatment of ONFH (GL2025)'),
  };
}

