/**
 * The clinical engine (design.md section 3): typed facts + loaded rules → Assessment and
 * OrderChecks. Pure: no I/O, no clock, no Fastify; `now` is always passed in.
 */
import { extractFacts } from '../facts/index.js';
import type { PatientFacts } from './patient-facts.js';
import type { LoadedRules } from '../rules/index.js';
import { assess } from './assess.js';
import { isIsoDate } from './dates.js';
import type { Assessment } from './types.js';

export { assess } from './assess.js';
export { checkOrders } from './order-checks.js';
export type * from './types.js';

type Json = Record<string, unknown>;
const isRecord = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/** "Patient/123", ".../Patient/123", "Patient/123/_history/2" → "123". */
const PATIENT_REF = /(?:^|\/)Patient\/([^/]+?)(?:\/_history\/[^/]*)?$/;

/** The patient a resource points at through subject/patient (or beneficiary), if any. */
function referencedPatient(resource: Json, fullUrlToPatient: ReadonlyMap<string, string>): string | undefined {
  for (const field of ['subject', 'patient', 'beneficiary']) {
    const ref = (resource[field] as Json | undefined)?.reference;
    if (typeof ref !== 'string') continue;
    const byUrl = fullUrlToPatient.get(ref);
    if (byUrl !== undefined) return byUrl;
    const m = PATIENT_REF.exec(ref);
    if (m?.[1] !== undefined) return m[1];
  }
  return undefined;
}

export type AssessBundleResult =
  | { readonly ok: true; readonly assessment: Assessment; readonly facts: PatientFacts }
  | { readonly ok: false; readonly error: string };

/**
 * POST /assessment and `onfh-cds assess` (design.md section 1): a FHIR Bundle (any type) holding
 * ONE patient's resources → facts → Assessment. A bundle that is not a Bundle, or that mixes
 * patients, is refused with a message saying what is wrong (never a throw).
 */
export function assessBundle(bundle: unknown, rules: LoadedRules, now: string): AssessBundleResult {
  if (!isIsoDate(now)) return { ok: false, error: `the evaluation date must be YYYY-MM-DD, got "${now}"` };
  if (!isRecord(bundle) || bundle.resourceType !== 'Bundle') {
    return { ok: false, error: 'expected a FHIR Bundle (resourceType "Bundle")' };
  }
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) {
    return { ok: false, error: 'Bundle.entry must be an array' };
  }
  const entries = (bundle.entry ?? []) as unknown[];
  const resources: Json[] = [];
  const patients: string[] = [];
  const fullUrlToPatient = new Map<string, string>();
  for (const [i, entry] of entries.entries()) {
    if (!isRecord(entry) || !isRecord(entry.resource) || typeof entry.resource.resourceType !== 'string') {
      return { ok: false, error: `Bundle.entry[${i}] has no resource with a resourceType` };
    }
    const r = entry.resource;
    resources.push(r);
    if (r.resourceType === 'Patient') {
      const id = typeof r.id === 'string' ? r.id : `entry[${i}]`;
      if (!patients.includes(id)) patients.push(id);
      if (typeof entry.fullUrl === 'string') fullUrlToPatient.set(entry.fullUrl, id);
    }
  }
  if (patients.length > 1) {
    return { ok: false, error: `the Bundle holds ${patients.length} Patient resources (${patients.join(', ')}); send one patient's resources` };
  }
  const referenced = new Set<string>();
  for (const r of resources) {
    const p = referencedPatient(r, fullUrlToPatient);
    if (p !== undefined) referenced.add(p);
  }
  const patientId = patients[0] ?? [...referenced][0];
  const others = [...referenced].filter((p) => p !== patientId);
  if (others.length > 0) {
    return {
      ok: false,
      error: `resources of the Bundle reference different patients (Patient/${[patientId, ...others].join(', Patient/')}); send one patient's resources`,
    };
  }
  if (patientId === undefined) {
    return { ok: false, error: 'the Bundle names no patient: add the Patient resource or a subject reference' };
  }
  const facts = extractFacts({ patientId, resources: resources as unknown as fhir4.FhirResource[] }, rules.valueSets, now);
  return { ok: true, facts, assessment: assess(facts, rules, now) };
}
