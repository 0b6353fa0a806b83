/**
 * Report statements → findings with provenance (clinical-spec.md sections 12, 13). Affirmed
 * statements set the finding (true, or the value); negated booleans set it false and "no
 * collapse" sets collapse-depth 0; uncertain ones set nothing (they stay in reportFindings, and
 * "possible collapse" marks collapse as suspected). A structured finding Observation of the same
 * or a later date wins over report text. Pure.
 */
import type { ArcoStage, FindingId, FindingValue, HipFacts, SuspectedOnfh } from '../engine/patient-facts.js';
import { ARCO_STAGES, type ReportStatement } from '../vocabulary/index.js';
import { instant } from './read.js';
import type { PendingFinding } from './readers/collect.js';

const BOOLEAN: ReadonlySet<string> = new Set(['subchondral-fracture', 'bone-marrow-edema', 'joint-effusion', 'joint-space-narrowing', 'mri-necrosis-sign']);
const SIZES: ReadonlySet<unknown> = new Set(['small', 'medium', 'large']);

/** The finding value a statement sets, or undefined when it sets none. */
function valueOf(s: ReportStatement): FindingValue | undefined {
  if (s.certainty === 'uncertain') return undefined;
  if (BOOLEAN.has(s.finding)) return s.certainty === 'affirmed';
  if (s.finding === 'collapse-depth') return s.certainty === 'negated' ? 0 : typeof s.value === 'number' ? s.value : undefined;
  if (s.finding === 'necrotic-extent' && s.certainty === 'affirmed' && (typeof s.value === 'number' || SIZES.has(s.value))) return s.value;
  return undefined;
}

const sideOf = (s: ReportStatement): 'left' | 'right' | undefined => (s.side === 'unknown' ? undefined : s.side);

/**
 * One finding per report, side and finding: what the report affirms beats what it denies
 * ("no collapse" in the findings, "2 mm collapse" in the impression), the larger number beats the smaller.
 */
export function reportedFindings(
  statements: readonly ReportStatement[], structured: readonly PendingFinding[], today: string | null, firstOrder: number,
): PendingFinding[] {
  const best = new Map<string, { s: ReportStatement; value: FindingValue }>();
  for (const s of statements) {
    if (s.date === null || (today !== null && s.date > today)) continue;
    const value = valueOf(s);
    if (value === undefined) continue;
    const key = `${s.report}|${s.side}|${s.finding}`;
    const was = best.get(key);
    const beats = was === undefined || (was.s.certainty === 'negated' && s.certainty === 'affirmed')
      || (was.s.certainty === s.certainty && typeof value === 'number' && typeof was.value === 'number' && value > was.value);
    if (beats) best.set(key, { s, value });
  }
  const out: PendingFinding[] = [];
  let order = firstOrder;
  for (const { s, value } of best.values()) {
    const side = sideOf(s);
    const date = s.date ?? '';
    // spec 12: a structured finding of the same or a later date wins over the report's words.
    const structuredWins = structured.some((o) => o.finding === s.finding && o.date !== null && o.date >= date
      && (o.side === undefined || side === undefined || o.side === side || o.side === 'bilateral'));
    if (structuredWins) continue;
    out.push({ finding: s.finding as FindingId, value, side, date: s.date, at: instant(s.date), order: order++, ref: s.report, statement: s });
  }
  return out;
}

/** The newest affirmed ARCO stage a report gives for this hip (subtype-less "3" is no ARCO 2019 stage). */
export function reportedStage(hip: Pick<HipFacts, 'side'>, onlyHip: boolean, statements: readonly ReportStatement[]): { arco: ArcoStage; statement: ReportStatement } | null {
  let found: { arco: ArcoStage; statement: ReportStatement } | null = null;
  for (const s of statements) {
    if (s.finding !== 'arco-stage' || s.certainty !== 'affirmed' || s.date === null) continue;
    if (!(s.side === hip.side || (s.side === 'unknown' && onlyHip))) continue;
    const arco = (ARCO_STAGES as readonly unknown[]).includes(s.value) ? (s.value as ArcoStage) : null;
    if (arco !== null && (found === null || (found.statement.date ?? '') < s.date)) found = { arco, statement: s };
  }
  return found;
}

/** Whether a report doubts collapse for this hip ("possible early collapse"): the suspected-collapse follow-up (spec 8). */
export function collapseDoubted(hip: Pick<HipFacts, 'side'>, onlyHip: boolean, statements: readonly ReportStatement[]): boolean {
  return statements.some((s) => s.finding === 'collapse-depth' && s.certainty === 'uncertain' && (s.side === hip.side || (s.side === 'unknown' && onlyHip)));
}

/** Months between two YYYY-MM-DD dates, by calendar (the 24 months of spec 13). */
function monthsBetween(from: string, to: string): number {
  const [fy, fm, fd] = from.split('-').map(Number);
  const [ty, tm, td] = to.split('-').map(Number);
  return ((ty ?? 0) - (fy ?? 0)) * 12 + ((tm ?? 0) - (fm ?? 0)) - ((td ?? 0) < (fd ?? 0) ? 1 : 0);
}

/**
 * clinical-spec.md 13: a hip with an affirmed `onfh` statement in a report of the last 24 months
 * and no ONFH condition of that hip on the list (a condition with no side counts for both hips).
 * The newest statement of each such hip.
 */
export function suspectedOnfh(statements: readonly ReportStatement[], hips: readonly Pick<HipFacts, 'side'>[], today: string | null): SuspectedOnfh[] {
  if (hips.some((h) => h.side === 'unknown')) return [];
  const out = new Map<'left' | 'right', ReportStatement>();
  for (const s of statements) {
    if (s.finding !== 'onfh' || s.certainty !== 'affirmed' || s.side === 'unknown' || s.date === null) continue;
    if (today !== null && (s.date > today || monthsBetween(s.date, today) >= 24)) continue;
    if (hips.some((h) => h.side === s.side)) continue;
    const was = out.get(s.side);
    if (was === undefined || (was.date ?? '') < s.date) out.set(s.side, s);
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? 1 : -1)).map(([side, s]) => ({ side, report: s.report, date: s.date ?? '', text: s.text, studyKind: s.studyKind }));
}
