/**
 * Condition → ONFH conditions with side, etiology and recorded stage (clinical-spec.md sections 1,
 * 2, 9), contraindications (section 6) and risk conditions (section 10).
 */
import { readSites, type Laterality, type SiteReading } from '../anatomy.js';
import type { ContraindicationId, Side } from '../../engine/patient-facts.js';
import type { Condition } from 'fhir/r4.js';
import { codingsOf, dateOnly, instant, oneOrMany, refOf, str, type Untrusted } from '../read.js';
import { readRecordedStage } from '../stage.js';
import type { ValueSetMatch } from '../../rules/valuesets.js';
import { ETIOLOGY_RANK, gap, sidesOf, type Collector, type Etiology } from './collect.js';

/** spec 1: clinical statuses of a current condition (absent also counts). */
const CURRENT_CLINICAL = new Set(['active', 'recurrence', 'relapse']);
const NOT_TRUE_VERIFICATION = new Set(['refuted', 'entered-in-error']);
function codes(concept: unknown): readonly string[] {
  return codingsOf(concept).flatMap((c) => (c.code === undefined ? [] : [c.code]));
}

/** spec 1: not refuted/entered-in-error; clinicalStatus absent or active/recurrence/relapse. */
export function isCurrentCondition(c: Untrusted<Condition>): boolean {
  if (codes(c.verificationStatus).some((code) => NOT_TRUE_VERIFICATION.has(code))) return false;
  const clinical = codes(c.clinicalStatus);
  return clinical.length === 0 || clinical.some((code) => CURRENT_CLINICAL.has(code));
}

export function readCondition(acc: Collector, c: Untrusted<Condition>): void {
  if (!isCurrentCondition(c)) return;
  const ref = refOf('Condition', c);
  const matches: ValueSetMatch[] = [];
  for (const coding of codingsOf(c.code)) matches.push(...acc.valueSets.lookup(coding.system, coding.code));
  if (matches.length === 0) return;
  let site: SiteReading | undefined;
  const bodySite = () => (site ??= readSites(acc.valueSets, oneOrMany(c.bodySite)));

  let onfh = false;
  let etiology: Etiology = 'non-traumatic';
  let codedSide: Laterality | undefined;
  for (const m of matches) {
    if (m.valueSet === 'onfh-condition') {
      // spec 9: 397758007/398199007 count only with a hip or femoral-head body site
      if (m.requires === 'hip-body-site') {
        const s = bodySite().site;
        if (s !== 'hip' && s !== 'femoral-head' && s !== 'both-hips') {
          acc.notes.push(`${ref}: necrosis of bone without a hip body site, not counted as ONFH`);
          continue;
        }
      }
      onfh = true;
      const e = m.value as Etiology;
      if (ETIOLOGY_RANK[e] > ETIOLOGY_RANK[etiology]) etiology = e;
      if (m.side !== undefined) codedSide = codedSide === undefined || codedSide === m.side ? m.side : 'bilateral';
    } else if (m.valueSet === 'contraindication') {
      const id = m.value as ContraindicationId;
      const list = (acc.contraindications[id] ??= []);
      if (!list.includes(ref)) list.push(ref);
    } else if (m.valueSet === 'risk-condition') {
      if (m.value === 'osteoporosis') acc.osteoporosis = true;
      else if (m.value === 'diabetes') acc.diabetes = true;
      else if (m.value === 'alcohol-use-disorder') acc.alcoholUseDisorder = true;
      else if (m.value === 'hip-pain') acc.hipPain.push(m.side ?? bodySite().side);
    }
  }
  if (!onfh) return;
  // spec 2: the ICD-10-CM laterality character, else bodySite, else unknown
  const side = codedSide ?? bodySite().side;
  const sides: Side[] = side === undefined ? ['unknown'] : [...sidesOf(side)];
  if (side === undefined) {
    gap(acc, 'side-unknown', 'The side of this ONFH condition is not recorded (code or body site); findings cannot be matched to a hip with certainty', {
      side: 'unknown',
      resource: ref,
    });
  }
  const onset = str(c.onsetDateTime);
  const recorded = str(c.recordedDate);
  acc.onfhConditions.push({
    ref,
    sides,
    etiology,
    diagnosisDate: dateOnly(onset ?? recorded),
    recordedAt: instant(recorded ?? onset),
    stage: readRecordedStage(acc.valueSets, c, ref),
  });
}
