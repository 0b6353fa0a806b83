/**
 * POST /assessment and `onfh-cds assess` take a FHIR Bundle (any type) holding ONE patient's
 * resources (design.md section 1). Pure: checks the Bundle's shape and that it names one patient,
 * and answers the patient id and the resources, or a message saying what is wrong (never a throw).
 */

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

export type OnePatientBundle =
  | { readonly ok: true; readonly patientId: string; readonly resources: readonly fhir4.FhirResource[] }
  | { readonly ok: false; readonly error: string };

/** A Bundle of one patient's resources → the patient id and resources; anything else → why not. */
export function onePatientBundle(bundle: unknown): OnePatientBundle {
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
  return { ok: true, patientId, resources: resources as unknown as fhir4.FhirResource[] };
}
