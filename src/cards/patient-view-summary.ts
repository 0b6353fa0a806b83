/**
 * The patient-view summary card (clinical-spec.md 5, 7.2, 8, 14: readable cards): each hip's stage,
 * size and next imaging; the indicated path; the strongest options first, at most six, the rest a
 * count behind the card's link; what is not recommended or contraindicated; adaptations
 * (pregnancy, replaced hips); data to complete. The detail stays under 1,500 characters.
 */
import { reportEvidenceLines, suspectedOnfhLine } from './patient-view-reports.js';
import type { Assessment, HipAssessment, Recommendation } from '../engine/types.js';
import { MODALITY_IDS, type ModalityId } from '../vocabulary/index.js';
import { guidelineLinks, type CardContext, type CardDraft } from './context.js';
import { studyName } from './resources.js';
import {
  MODALITY, capitalise, cell, clip, grade, hipName, hipsPhrase, ownWord, sentence, sizeText, stageText, theHips, type HipSide,
} from './vocabulary.js';
import { followUpNeed, shortStudy } from './patient-view-imaging.js';

/** clinical-spec.md 14: a card's detail a clinician reads between two patients. */
export const MAX_DETAIL = 1500;
/** clinical-spec.md 14: options listed in the detail; the rest are counted and linked. */
const MAX_OPTIONS = 6;
/** The rule set whose page lists every option with its source (the summary card's link). */
const MODALITY_RULES = 'gl2025-modalities';

/** Gaps that have a card of their own (imaging or data-gap card): not repeated in the summary. */
const GAPS_WITH_OWN_CARD: ReadonlySet<string> = new Set(['contralateral-hip-not-imaged', 'staging-findings-missing', 'side-unknown']);

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
function words(reason: string, known: Readonly<Record<string, string>> = {}): string {
  const text = ownWord(known, reason);
  if (text !== undefined) return text;
  return /^[a-z0-9]+(-[a-z0-9]+)+$/.test(reason) ? reason.replace(/-/g, ' ') : reason;
}

/** ": early stage (ARCO 1–2), …": which of clinical-spec.md 7.2's conditions applied, in words ("" when none is named). */
export function conservativeCareWhy(a: Assessment): string {
  const why = a.conservativeCare.reasons.map((r) => words(r, CONSERVATIVE_CARE_TEXT)).join('; ');
  return why === '' ? '' : `: ${why}`;
}

// ---------------------------------------------------------------------------------------------
// Options, strongest first (clinical-spec.md 14)

interface Option {
  readonly modality: ModalityId;
  readonly rec: Recommendation;
  readonly sides: HipSide[];
}

const MODALITY_INDEX: ReadonlyMap<string, number> = new Map(MODALITY_IDS.map((m, i) => [m, i]));
const evidenceRank = (e: string): number => ('ABCD'.indexOf(e) + 5) % 5;

/** Each modality and status once (hips merged), for the statuses asked. */
function optionsWith(a: Assessment, statuses: ReadonlySet<string>): Option[] {
  const byKey = new Map<string, Option>();
  for (const h of a.hips) {
    for (const rec of h.recommendations) {
      if (!statuses.has(rec.status)) continue;
      const key = `${rec.modality}|${rec.status}`;
      const seen = byKey.get(key);
      if (seen === undefined) byKey.set(key, { modality: rec.modality, rec, sides: [h.side] });
      else seen.sides.push(h.side);
    }
  }
  return [...byKey.values()];
}

/** Strength 1 before 2 before 3, evidence A before B, recommended before consider, then GL2025's order. */
function strongestFirst(x: Option, y: Option): number {
  return x.rec.strength - y.rec.strength
    || evidenceRank(x.rec.evidence) - evidenceRank(y.rec.evidence)
    || (x.rec.status === 'recommended' ? 0 : 1) - (y.rec.status === 'recommended' ? 0 : 1)
    || (MODALITY_INDEX.get(x.modality) ?? 0) - (MODALITY_INDEX.get(y.modality) ?? 0);
}

/**
 * What the options left out are, in a few words: "weaker evidence or strength" only when it is true;
 * when the six shown do not hold every option of the best grade, how many more of that grade there
 * are (a painful ARCO 2 hip has more than six A1 options: clinical review of issue 19).
 */
function hiddenGrades(shown: readonly Option[], hidden: readonly Option[]): string {
  const last = shown.at(-1);
  const first = hidden[0];
  if (last === undefined || first === undefined || grade(first.rec) !== grade(last.rec)) return 'weaker evidence or strength';
  const same = hidden.filter((o) => grade(o.rec) === grade(first.rec)).length;
  const atBest = `${String(same)} more at ${grade(first.rec)}`;
  return same === hidden.length ? atBest : `${atBest}, then weaker`;
}

function onlyFor(a: Assessment, sides: readonly HipSide[]): string | undefined {
  return a.hips.length > 1 && sides.length < a.hips.length ? `${hipsPhrase(sides)} only` : undefined;
}

function optionText(a: Assessment, o: Option): string {
  const m = MODALITY[o.modality];
  // clinical-spec.md 14: the China-mainly products say so in these words, on their own
  const availability = m.availabilityVaries === true ? ' (availability varies by country)' : '';
  const qualifiers = [o.rec.status === 'consider' ? 'to consider' : undefined, onlyFor(a, o.sides)].filter((q) => q !== undefined);
  return `${m.name} ${grade(o.rec)}${availability}${qualifiers.length > 0 ? ` — ${qualifiers.join('; ')}` : ''}`;
}

const APPLICABLE = new Set(['recommended', 'consider']);

/** A strong (strength 1) option this patient should only consider: the reason matters (asymptomatic small lesion, ARCO 3A). */
const downgraded = (o: Option): boolean => o.rec.strength === 1 && o.rec.status === 'consider';

/** Notes of the options shown (a downgraded option's notes go with its own line), one line per modality. */
function noteLines(shown: readonly Option[]): string[] {
  const lines: string[] = [];
  for (const o of shown) {
    if (downgraded(o)) continue;
    const parts = (o.rec.notes ?? []).map(sentence);
    if (o.rec.combinations !== undefined && o.rec.combinations.length > 0) parts.push(`A1 combinations (GL2025 Table 11): ${o.rec.combinations.join(', ')}.`);
    if (parts.length > 0) lines.push(`- ${capitalise(MODALITY[o.modality].name)}: ${parts.join(' ')}`);
  }
  return lines;
}

/** "**Strong options to consider only**": each reason and its notes once, with the options it covers. */
function downgradedLine(a: Assessment, options: readonly Option[]): string | undefined {
  const byWhy = new Map<string, string[]>();
  const list = options.filter(downgraded);
  // the note several of them share (SMALL's on asymptomatic small lesions) says it once; else each its reason
  const count = new Map<string, number>();
  for (const o of list) for (const n of new Set(o.rec.notes ?? [])) count.set(n, (count.get(n) ?? 0) + 1);
  for (const o of list) {
    const shared = (o.rec.notes ?? []).find((n) => (count.get(n) ?? 0) > 1);
    // alone: its reason, and the note of its status rule (the first note is the modality's own caveat)
    const why = shared !== undefined ? sentence(shared) : [o.rec.reasons[0] ?? o.rec.source, ...(o.rec.notes ?? []).slice(1)].map(sentence).join(' ');
    const key = [why, onlyFor(a, o.sides)].filter((x) => x !== undefined && x !== '').join(' ');
    byWhy.set(key, [...(byWhy.get(key) ?? []), `${MODALITY[o.modality].name} ${grade(o.rec)}`]);
  }
  if (byWhy.size === 0) return undefined;
  return `**Strong options to consider only**: ${[...byWhy].map(([why, names]) => `${names.join(', ')}: ${why}`).join(' ')}`;
}

/** Items sharing the same reasons and hips share a line: "PRP A1, SVF B1: active malignancy". */
function reasonLine(a: Assessment, status: 'not-recommended' | 'contraindicated'): string | undefined {
  const lines = new Map<string, string[]>();
  for (const o of optionsWith(a, new Set([status])).sort(strongestFirst)) {
    const why = o.modality === 'zoledronic-acid' || o.modality === 'alendronate'
      ? 'do not improve ONFH outcomes, GL2025 Table 6'
      : o.rec.reasons.join('; ') || o.rec.source;
    const key = [why, onlyFor(a, o.sides)].filter((x) => x !== undefined).join('; ');
    lines.set(key, [...(lines.get(key) ?? []), `${MODALITY[o.modality].name} ${grade(o.rec)}`]);
  }
  if (lines.size === 0) return undefined;
  const heading = status === 'not-recommended' ? '**Not recommended**' : '**Contraindicated for this patient**';
  return `${heading}: ${[...lines].map(([why, names]) => `${names.join(', ')} (${why})`).join('; ')}.`;
}

// ---------------------------------------------------------------------------------------------
// The card

/**
 * A booking dated before the evaluation is an order with no booked date yet (the engine drops booked
 * dates that have passed): it reads "ordered", not "scheduled".
 */
function bookingText(fu: HipAssessment['followUp'], evaluatedAt: string): string | undefined {
  if (fu.scheduled === undefined) return undefined;
  return fu.scheduled < evaluatedAt ? `ordered ${fu.scheduled}, not yet booked` : `scheduled ${fu.scheduled}`;
}

function nextWhen(fu: HipAssessment['followUp'], evaluatedAt: string): string {
  const booking = bookingText(fu, evaluatedAt);
  if (booking !== undefined) return booking;
  if (fu.lastStudy === null) return 'due now';
  return fu.overdue ? `overdue since ${fu.due}` : `due ${fu.due}`;
}

function nextImagingCell(hip: HipAssessment, evaluatedAt: string): string {
  const fu = hip.followUp;
  const need = followUpNeed(hip);
  const study = studyName(need.modality, need.side === 'both' ? 'both' : hip.side);
  // clinical-spec.md 14: imaging already booked (or ordered)
  const booking = bookingText(fu, evaluatedAt);
  if (booking !== undefined) return `${study}, **${booking}**`;
  // clinical-spec.md section 8: no study on record → due on the evaluation date.
  if (fu.lastStudy === null) return `${study}, **due now** (no imaging on record)`;
  const when = fu.overdue ? `**overdue** since ${fu.due}` : `due ${fu.due}`;
  return `${study}, ${when} (every ${String(fu.intervalMonths)} months; last ${fu.lastStudy})`;
}

/** One glance: the hips and stages, the path (surgery wins over conservative care), the next study. */
function summaryLine(a: Assessment): string {
  const many = a.hips.length > 1;
  const first = a.hips[0];
  // "Right hip ONFH: ARCO 2 …" alone; "Conservative care: right hip ONFH, ARCO 2 …" after the plan
  const stagePart = (lead: boolean): string => {
    const sep = lead ? ': ' : ', ';
    if (many || first === undefined) return `ONFH${sep}${a.hips.map((h) => `${h.side === 'unknown' ? 'side not recorded' : h.side} ${stageText(h.stage)}`).join(', ')}`;
    const hip = first.side === 'unknown' ? 'hip ONFH (side not recorded)' : `${first.side} hip ONFH`;
    return `${lead ? capitalise(hip) : hip}${sep}${stageText(first.stage)}${first.sizeCategory === null ? '' : `, ${first.sizeCategory} lesion`}`;
  };
  // clinical-spec.md 14: the plan first (the action), and "conservative care" and "surgical
  // evaluation indicated" never share a summary
  const surgery = a.hips.some((h) => h.surgicalEvaluation.indicated);
  const path = surgery ? 'Surgical evaluation indicated' : a.conservativeCare.indicated ? 'Conservative care' : undefined;
  const next = [...a.hips].sort((x, y) => (x.followUp.scheduled ?? x.followUp.due).localeCompare(y.followUp.scheduled ?? y.followUp.due))[0];
  const nextPart = next === undefined ? '' : ` · next: ${shortStudy(followUpNeed(next), many)} ${nextWhen(next.followUp, a.evaluatedAt)}`;
  return clip(path === undefined ? `${stagePart(true)}${nextPart}` : `${path}: ${stagePart(false)}${nextPart}`);
}

/** Sections in the order read; when the detail would pass MAX_DETAIL the optional ones go first, from the end. */
interface Section {
  readonly lines: readonly string[];
  readonly optional?: boolean;
}

function fit(sections: readonly Section[]): string {
  const kept = [...sections];
  const join = (list: readonly Section[]): string => list.map((s) => s.lines.join('\n')).join('\n\n');
  while (join(kept).length > MAX_DETAIL) {
    const i = kept.map((s) => s.optional === true).lastIndexOf(true);
    if (i === -1) break;
    kept.splice(i, 1);
  }
  const text = join(kept);
  if (text.length <= MAX_DETAIL) return text;
  return `${text.slice(0, MAX_DETAIL - 1).replace(/\s+\S*$/, '')}…`;
}

/**
 * `gapCardShown`: the data-gap card is in the response, so the gaps it says are not repeated here.
 * `suspectedCardShown`: false when the four-card limit leaves the suspected-ONFH card out; its line then goes here.
 */
export function summaryCard(a: Assessment, ctx: CardContext, gapCardShown = true, suspectedCardShown = true): CardDraft {
  const row = (label: string, f: (h: HipAssessment) => string): string => `| ${label} | ${a.hips.map((h) => cell(f(h))).join(' | ')} |`;
  const table = [
    `| | ${a.hips.map((h) => hipName(h.side)).join(' | ')} |`,
    `|---|${a.hips.map(() => '---').join('|')}|`,
    row('Stage', (h) => stageText(h.stage)),
    row('Lesion size', (h) => sizeText(h) ?? 'unknown'),
    row('Next imaging', (h) => nextImagingCell(h, a.evaluatedAt)),
  ];
  if (a.hips.some((h) => h.progressionRisk.high)) {
    table.push(row('Progression risk', (h) => (h.progressionRisk.high ? `high: ${h.progressionRisk.factors.map((f) => words(f, PROGRESSION_TEXT)).join(', ')}` : 'not high')));
  }
  const sections: Section[] = [{ lines: table }];

  const surgical = a.hips.filter((h) => h.surgicalEvaluation.indicated).map((h) => h.side);
  if (surgical.length > 0) {
    const conservative = a.conservativeCare.indicated ? ` Conservative care also applies${conservativeCareWhy(a)} (TCM). Weigh both with the surgeon.` : '';
    sections.push({ lines: [`**Surgical evaluation indicated** for ${theHips(surgical)} (see the referral card).${conservative}`] });
  } else if (a.conservativeCare.indicated) {
    sections.push({ lines: [`**Conservative care is the indicated path**${conservativeCareWhy(a)} (TCM).`] });
  }
  if (a.pregnant) {
    sections.push({ lines: ['**Advice adapted for pregnancy**: technetium [99Tc] MDP, simvastatin and ESWT are not offered; follow-up imaging by MRI without contrast.'] });
  }

  const options = optionsWith(a, APPLICABLE).sort(strongestFirst);
  const shown = options.slice(0, MAX_OPTIONS);
  const link = ctx.ruleSetUrl?.(MODALITY_RULES) ?? ctx.guideline.url;
  const rest = options.length - shown.length;
  const more = rest > 0 ? `…and ${String(rest)} more option${rest === 1 ? '' : 's'} (${hiddenGrades(shown, options.slice(MAX_OPTIONS))})${link === undefined ? '' : `: [every option with its source](${link})`}.` : undefined;
  if (shown.length > 0) {
    sections.push({ lines: ['**Options, strongest first**', ...shown.map((o, i) => `${String(i + 1)}. ${optionText(a, o)}`)] });
    // a paragraph of its own: right after the list it would read as part of its last item
    if (more !== undefined) sections.push({ lines: [more] });
  }
  const weigh = downgradedLine(a, options);
  if (weigh !== undefined) sections.push({ lines: [weigh] });
  for (const status of ['not-recommended', 'contraindicated'] as const) {
    const line = reasonLine(a, status);
    if (line !== undefined) sections.push({ lines: [line] });
  }
  const suspected = suspectedCardShown ? undefined : suspectedOnfhLine(a);
  if (suspected !== undefined) sections.push({ lines: [suspected] });
  if (a.replacedHips.length > 0) {
    sections.push({ lines: [`**Not assessed**: ${hipsPhrase(a.replacedHips)} replaced (no femoral head).`] });
  }
  const gaps = gapCardShown ? a.dataGaps.filter((g) => !GAPS_WITH_OWN_CARD.has(g.code)) : a.dataGaps;
  if (gaps.length > 0) sections.push({ lines: ['**Data to complete**', ...gaps.map((g) => `- ${sentence(g.message)}`)] });
  const risks = a.riskFactors.filter((r) => r.id !== 'corticosteroid-exposure').map((r) => ownWord(RISK_FACTOR_TEXT, r.id) ?? words(r.id));
  if (risks.length > 0) sections.push({ lines: [`**Risk factors to address**: ${[...new Set(risks)].join(', ')}.`], optional: true });
  const notes = noteLines(shown);
  if (notes.length > 0) sections.push({ lines: ['**Notes**', ...notes], optional: true });
  // design.md 5 / clinical-spec.md 13: the report sentences behind the findings, verbatim
  const quoted = reportEvidenceLines(a);
  if (quoted.length > 0) sections.push({ lines: ['**From radiology reports**', ...quoted], optional: true });
  sections.push({ lines: ['_GRADE (GL2025 Table 1): evidence A high to D very low; strength 1 strong, 2 weak, 3 no clear recommendation._'], optional: true });

  return {
    summary: summaryLine(a),
    detail: fit(sections),
    indicator: 'info',
    links: guidelineLinks(ctx, 'Every option with its source (rules and guideline)', MODALITY_RULES),
    ruleSet: MODALITY_RULES,
  };
}
