/**
 * POST /assessment and `onfh-cds assess` (design.md section 1): a FHIR Bundle (any type) holding
 * ONE patient's resources → facts → Assessment. A bundle that is not a Bundle, or that mixes
 * patients, is refused with a message saying what is wrong (never a throw).
 */
import { isIsoDate } from '../engine/dates.js';
import { evaluate } from '../engine/index.js';
import type { Assessment, AssessmentWorkings, PatientFacts } from '../engine/index.js';
import { extractFacts } from '../facts/index.js';
import { onePatientBundle } from '../fhir/one-patient.js';
import type { LoadedRules } from '../rules/index.js';

export type AssessBundleResult =
  | { readonly ok: true; readonly assessment: Assessment; readonly facts: PatientFacts; readonly workings: AssessmentWorkings | null }
  | { readonly ok: false; readonly error: string };

export function assessBundle(bundle: unknown, rules: LoadedRules, now: string): AssessBundleResult {
  if (!isIsoDate(now)) return { ok: false, error: `the evaluation date must be YYYY-MM-DD, got "${now}"` };
  const one = onePatientBundle(bundle);
  if (!one.ok) return one;
  const facts = extractFacts({ patientId: one.patientId, resources: one.resources }, rules.valueSets, now);
  return { ok: true, facts, ...evaluate(facts, rules, now) };
}
