/**
 * PatientFacts (typed, from src/facts) → the flat facts objects the rules see (src/rules/facts.ts).
 * A hip's facts can be built "as of" an imaging date, from the findings observed up to that date,
 * which is how the stage history of clinical-spec.md section 8 is made.
 */
import type { FindingId, FindingValue, HipFacts, PatientFacts, ScoreFact } from './patient-facts.js';
import { FINDING_IDS, ORGAN_FAILURE_IDS } from '../vocabulary/index.js';
import type { FactValue } from '../rules/facts.js';
import { ageOn, monthsElapsed } from './dates.js';

export type MutableFacts = Record<string, FactValue | Record<string, FactValue>>;

/** Patient-level facts (clinical-spec.md sections 6, 9, 10). */
export function patientRuleFacts(facts: PatientFacts, now: string, blank: MutableFacts): MutableFacts {
  const c = facts.contraindications;
  const has = (id: keyof typeof c): boolean => (c[id]?.length ?? 0) > 0;
  // clinical-spec.md 14: a replaced hip has no femoral head and is left out of the assessed hips, so
  // ONFH of a natural hip and a replaced one is not "bilateral" (TCM's late-stage bilateral reason)
  const replaced = new Set<string>(facts.replacedHips ?? []);
  const sides = new Set(facts.hips.map((h) => h.side).filter((s) => !replaced.has(s)));
  const immune = has('immune-hematologic') || facts.plateletsLow;
  const out = blank;
  out.age = facts.birthDate ? ageOn(facts.birthDate, now) : null;
  out.sex = facts.sex;
  out.bmi = facts.bmi?.value ?? null;
  out.smoker = facts.smoker;
  out['audit-c'] = facts.auditC?.value ?? null;
  out['alcohol-use-disorder'] = facts.alcoholUseDisorder;
  out.diabetes = facts.diabetes;
  out.osteoporosis = facts.osteoporosis;
  out['corticosteroid-active'] = facts.corticosteroids.length > 0;
  out['affected-hip-count'] = facts.hips.length;
  out.bilateral = sides.has('left') && sides.has('right');
  out['contraindication-malignancy'] = has('malignancy');
  out['contraindication-immune-hematologic'] = immune;
  out['contraindication-infection'] = has('infection');
  const organFailure = ORGAN_FAILURE_IDS.some(has);
  out['contraindication-organ-failure'] = organFailure;
  out['contraindication-hepatic-failure'] = has('hepatic-failure');
  out['contraindication-cardiopulmonary-failure'] = has('heart-failure') || has('respiratory-failure');
  out['contraindication-coagulopathy'] = has('coagulopathy');
  out['contraindication-any'] = has('malignancy') || immune || has('infection') || organFailure || has('coagulopathy');
  out.platelets = facts.platelets?.value ?? null;
  out['contraindication-treatment-field-tumour'] = has('treatment-field-tumour');
  out.pregnant = facts.pregnant ?? false;
  return out;
}

/** Newest value of each finding observed on or before `asOf` (dated observations only). */
function findingsAsOf(hip: HipFacts, asOf: string): Partial<Record<FindingId, FindingValue>> {
  const out: Partial<Record<FindingId, FindingValue>> = {};
  const dates: Partial<Record<FindingId, string>> = {};
  for (const o of hip.findingHistory) {
    if (o.date === null || o.date > asOf) continue;
    const before = dates[o.finding];
    if (before === undefined || o.date >= before) {
      out[o.finding] = o.value;
      dates[o.finding] = o.date;
    }
  }
  return out;
}

/**
 * The newest score on or before `asOf` (null: any date, undated included), or with `back` = 1 the
 * one before it: a walk back from the end, as the scores are oldest first.
 */
function scoreAsOf(scores: readonly ScoreFact[], asOf: string | null, back: 0 | 1): number | null {
  let skip: number = back;
  for (let i = scores.length - 1; i >= 0; i--) {
    const s = scores[i];
    if (s === undefined || (asOf !== null && (s.date === null || s.date > asOf))) continue;
    if (skip === 0) return s.value;
    skip--;
  }
  return null;
}

export interface HipFactsOptions {
  /** The date the facts describe: `now` for the assessment, an imaging date for stage history. */
  readonly asOf: string;
  /** true: the current picture (newest findings including undated ones); false: history. */
  readonly current: boolean;
  readonly contralateralMriOnRecord: boolean;
}

/**
 * The per-hip facts object (patient facts included, so one object serves every rule), written
 * into `out`: a copy of the patient's facts object (hipFactsBase), in which every hip fact is
 * set here and the derived ones are (re)computed by the engine after.
 */
export function hipRuleFacts(hip: HipFacts, opts: HipFactsOptions, out: MutableFacts): MutableFacts {
  const { asOf, current } = opts;
  const findings = current ? hip.findings : findingsAsOf(hip, asOf);
  for (const id of FINDING_IDS) out[id] = findings[id] ?? null;

  // necrotic-extent given as a category (small/medium/large) is kept apart from the percent.
  const extent = findings['necrotic-extent'];
  out['necrotic-extent'] = typeof extent === 'number' ? extent : null;
  out['necrotic-extent-category'] = typeof extent === 'string' ? extent : null;

  let oldestCollapse: string | null = null;
  let collapseEver = typeof findings['collapse-depth'] === 'number' && findings['collapse-depth'] > 0;
  for (const o of hip.findingHistory) {
    if (o.finding !== 'collapse-depth' || typeof o.value !== 'number' || o.value <= 0) continue;
    if (o.date === null) {
      if (current) collapseEver = true;
      continue;
    }
    if (o.date > asOf) continue;
    collapseEver = true;
    if (oldestCollapse === null || o.date < oldestCollapse) oldestCollapse = o.date;
  }
  out['collapse-ever'] = collapseEver;
  out['collapse-months'] = oldestCollapse === null ? null : monthsElapsed(oldestCollapse, asOf);

  const scoresUpTo = current ? null : asOf;
  out['pain-score'] = scoreAsOf(hip.painScores, scoresUpTo, 0);
  out['pain-score-previous'] = scoreAsOf(hip.painScores, scoresUpTo, 1);
  out['hip-pain-condition'] = hip.hipPainCondition;
  out['collapse-doubted-on-report'] = hip.collapseDoubted === true;
  // TCM counts referred knee pain as the clinical sign of progression; read when the facts carry it.
  const knee = (hip as HipFacts & { readonly kneePainScores?: readonly ScoreFact[] }).kneePainScores ?? [];
  out['knee-pain-score'] = scoreAsOf(knee, scoresUpTo, 0);
  out['harris-score'] = scoreAsOf(hip.harrisScores, scoresUpTo, 0);

  let radiograph = false;
  let mri = false;
  for (const i of hip.imaging) {
    if (i.date > asOf) continue;
    if (i.modality === 'CR' || i.modality === 'DX') radiograph = true;
    else if (i.modality === 'MR') mri = true;
  }
  out['radiograph-on-record'] = radiograph || findings['xray-abnormal'] !== undefined;
  out['mri-on-record'] = mri || findings['mri-necrosis-sign'] !== undefined;
  out['contralateral-mri-on-record'] = opts.contralateralMriOnRecord;

  out.side = hip.side;
  out.etiology = hip.etiology;
  out['months-since-diagnosis'] = hip.diagnosisDate === null ? null : monthsElapsed(hip.diagnosisDate, asOf);
  // Set by the engine once the newest follow-up study is known (spec 8: the interval the last study was scheduled under).
  out['months-since-diagnosis-at-last-study'] = out['months-since-diagnosis'];
  out['recorded-arco'] = hip.recordedStage?.arco ?? null;
  out['recorded-chinese'] = hip.recordedStage?.chinese ?? null;
  // Filled in by the engine once the stage history is known (current picture only).
  out['stable-months'] = 0;
  out['progression-on-serial-imaging'] = false;
  out['arco-stage'] = null;
  out['chinese-stage'] = null;
  out['chinese-group'] = null;
  out['progression-risk-imaging'] = false;
  out['follow-up-modality'] = null;
  return out;
}
