/**
 * Observation → findings (clinical-spec.md section 3), pain and Harris Hip scores, BMI, AUDIT-C,
 * eGFR, INR, platelets and smoking status (sections 9, 10). Status-filtered, dated, unit-converted
 * and range-checked; an implausible value becomes a data gap.
 */
import { readSites, type Laterality, type SiteReading } from '../anatomy.js';
import type { FindingId } from '../../engine/patient-facts.js';
import { arr, codingsOf, conceptText, dateOnly, instant, lowerText, oneOrMany, rec, refOf, str, type Json } from '../read.js';
import { readFinding, readPlatelets, readScore, type ValueReading } from '../values.js';
import type { ValueSetMatch, ValueSets } from '../../rules/valuesets.js';
import { implausible, type Collector, type Dated, type PendingScore } from './collect.js';

/** spec 3: statuses whose observations are used. */
const USABLE_OBSERVATION = new Set(['final', 'amended', 'corrected', 'preliminary']);
/** Plausible ranges of the scores of spec 3 and 9. */
const SCORE_RANGE = {
  pain: [0, 10], harris: [0, 100], 'audit-c': [0, 12], bmi: [1, 150], egfr: [0, 300], inr: [0, 30],
} as const;

interface When {
  readonly date: string | null;
  readonly at: number;
}

/** spec 3: effectiveDateTime, else effectivePeriod.start, else issued. */
function observationWhen(o: Json): When {
  const raw = str(o.effectiveDateTime) ?? str(rec(o.effectivePeriod)?.start) ?? str(o.issued);
  return { date: dateOnly(raw), at: instant(raw) };
}

function readObservationPart(acc: Collector, o: Json, part: Json, ref: string, whenOf: () => When, sideOf: () => SiteReading): void {
  const match = observationCodeMatch(acc.valueSets, part.code);
  if (match === undefined) return;
  const status = str(o.status);
  if (status === undefined || !USABLE_OBSERVATION.has(status)) return; // spec 3
  const when = whenOf();
  if (acc.today !== null && when.date !== null && when.date > acc.today) {
    acc.notes.push(`${ref}: dated after the evaluation date ${acc.today}, ignored`);
    return;
  }
  // fields spelled out: an object spread here was most of fact extraction's time (V8's generic clone)
  const stamp: Dated = { date: when.date, at: when.at, order: acc.order++, ref };
  if (match.valueSet === 'finding') {
    const finding = match.value as FindingId;
    const site = sideOf();
    const reading = readFinding(acc.valueSets, finding, part);
    // attributed to a hip like the finding itself would have been (buildHips)
    if (reading.kind === 'implausible') acc.refusedFindings.push({ ref, finding, why: reading.why, side: site.side });
    else if (reading.kind === 'unreadable') acc.notes.push(`${ref}: ${finding} ${reading.why}, ignored`);
    else acc.findings.push({ date: stamp.date, at: stamp.at, order: stamp.order, ref, finding, value: reading.value, side: site.side });
    return;
  }
  const take = (list: PendingScore[], reading: ValueReading, what: string, side?: Laterality) => {
    if (reading.kind === 'implausible') implausible(acc, ref, what, reading.why, side);
    else if (reading.kind === 'unreadable') acc.notes.push(`${ref}: ${what} ${reading.why}, ignored`);
    else if (typeof reading.value === 'number') list.push({ date: stamp.date, at: stamp.at, order: stamp.order, ref, value: reading.value, side });
  };
  switch (match.value) {
    case 'pain':
    case 'harris': {
      const site = sideOf();
      // TCM (seed 000): knee pain is kept apart, for spec 7.1's "pain (hip or knee)"
      if (site.knee && match.value === 'pain') {
        take(acc.kneePain, readScore(part, 0, 10), 'knee pain', site.side);
        return;
      }
      // spec 3: a hip pain score has a hip body site (spec 9: hip, femoral head, femur) or none
      if (site.otherSite) return;
      const [min, max] = SCORE_RANGE[match.value];
      take(match.value === 'pain' ? acc.pain : acc.harris, readScore(part, min, max), match.value, site.side);
      return;
    }
    case 'bmi':
    case 'audit-c':
    case 'egfr':
    case 'inr': {
      const [min, max] = SCORE_RANGE[match.value];
      const list = match.value === 'bmi' ? acc.bmi : match.value === 'audit-c' ? acc.auditC : match.value === 'egfr' ? acc.egfr : acc.inr;
      take(list, readScore(part, min, max), match.value);
      return;
    }
    case 'platelets':
      take(acc.platelets, readPlatelets(part), 'platelets');
      return;
    case 'smoking-status':
      acc.smoking.push({ date: stamp.date, at: stamp.at, order: stamp.order, ref, value: readSmoking(acc.valueSets, part) });
      return;
    default:
      return;
  }
}

export function readObservation(acc: Collector, o: Json): void {
  // Most observations of a chart (vitals, labs) are in no value set: decided on their codes
  // alone, before anything is built for them.
  if (!isObservationRead(acc.valueSets, o)) return;
  const ref = refOf('Observation', o);
  let when: When | undefined;
  let site: SiteReading | undefined;
  const sideOf = () => (site ??= readSites(acc.valueSets, oneOrMany(o.bodySite)));
  const whenOf = () => (when ??= observationWhen(o));
  // most observations (vitals, labs) stop at the first Map lookup
  readObservationPart(acc, o, o, ref, whenOf, sideOf);
  for (const c of arr(o.component)) {
    const part = rec(c);
    if (part !== undefined) readObservationPart(acc, o, part, ref, whenOf, sideOf);
  }
}

/**
 * The finding or observation value-set entry of an Observation's (or component's) code, by the
 * first coding that has one (the codings codingsOf reads). Allocates nothing for a code in no value set.
 */
function observationCodeMatch(valueSets: ValueSets, concept: unknown): ValueSetMatch | undefined {
  const c = rec(concept);
  const list = c === undefined ? undefined : c.coding;
  if (c === undefined || !Array.isArray(list) || Array.isArray(concept)) {
    // a lone Coding or a list of concepts: the general reader
    for (const coding of codingsOf(concept)) {
      const m = codingMatch(valueSets, coding.system, coding.code);
      if (m !== undefined) return m;
    }
    return undefined;
  }
  // indexed loops here and in codingMatch: this runs for every observation of the chart, and
  // for-of over the frozen arrays lookup() answers allocates an iterator each time
  for (let i = 0; i < list.length; i++) {
    const coding = rec(list[i]);
    if (coding === undefined) continue;
    const m = codingMatch(valueSets, str(coding.system), str(coding.code));
    if (m !== undefined) return m;
  }
  return undefined;
}

/** Whether an Observation's code or a component's code is in the finding or observation value set. */
function isObservationRead(valueSets: ValueSets, o: Json): boolean {
  if (observationCodeMatch(valueSets, o.code) !== undefined) return true;
  const components = o.component;
  if (!Array.isArray(components)) return false;
  for (const c of components as unknown[]) if (observationCodeMatch(valueSets, rec(c)?.code) !== undefined) return true;
  return false;
}

function codingMatch(valueSets: ValueSets, system: string | undefined, code: string | undefined): ValueSetMatch | undefined {
  const matches = valueSets.lookup(system, code);
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i];
    if (m !== undefined && (m.valueSet === 'finding' || m.valueSet === 'observation')) return m;
  }
  return undefined;
}

/** spec 9: current smoker codes → true; another answer → false; an "unknown" answer or none → null. */
function readSmoking(valueSets: ValueSets, o: Json): boolean | null {
  let answer: string | undefined;
  for (const c of codingsOf(o.valueCodeableConcept)) {
    answer = valueSets.find('smoking-status', c.system, c.code)?.value;
    if (answer !== undefined) break;
    if (c.code !== undefined) answer = 'not-current';
  }
  if (answer === undefined) {
    const text = [conceptText(o.valueCodeableConcept), lowerText(o.valueString)].join(' | ');
    const said = new Set(valueSets.matchText('smoking-status', text).map((m) => m.value));
    answer = said.has('unknown') ? 'unknown' : said.has('not-current') ? 'not-current' : said.has('current') ? 'current' : undefined;
  }
  return answer === 'current' ? true : answer === 'not-current' ? false : null;
}

