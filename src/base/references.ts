/**
 * FHIR reference strings ("Type/id", a full URL ending in it, either with "/_history/<v>"), read in
 * one place. Three readings, each kept for its callers: the readers of incoming resources take any id
 * character but "/" (an EHR's odd id must not lose a resource), the record assembly takes only valid
 * FHIR ids (what it compares against a checked patient id).
 */

/** "Patient/123", ".../Patient/123", "Patient/123/_history/2" → "123" (any id characters but "/"). */
const PATIENT_REF = /(?:^|\/)Patient\/([^/]+)(?:\/_history\/[^/]*)?$/;

/** "Type/id" tails of any type, ids as loose as PATIENT_REF's. */
const REF_TAIL = /(?:^|\/)([A-Za-z]+)\/([^/]+)(?:\/_history\/[^/]*)?$/;

/** Type/id tails with FHIR's id rules ([A-Za-z0-9-.], 1 to 64 characters). */
const STRICT_REF = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** The patient id of a Patient reference, any id characters but "/"; undefined for anything else. */
export function patientIdInReference(reference: string): string | undefined {
  return PATIENT_REF.exec(reference)?.[1];
}

/** The type and id a reference ends in, any id characters but "/"; undefined for "#contained" and the like. */
export function referenceTail(reference: string): { readonly type: string; readonly id: string } | undefined {
  const m = REF_TAIL.exec(reference);
  return m?.[1] !== undefined && m[2] !== undefined ? { type: m[1], id: m[2] } : undefined;
}

/** `Patient/123`, `https://ehr/fhir/Patient/123`, `Patient/123/_history/2` → { type, id }, valid FHIR ids only. */
export function parseReference(reference: string): { readonly type: string; readonly id: string } | null {
  const match = STRICT_REF.exec(reference);
  return match?.[1] !== undefined && match[2] !== undefined ? { type: match[1], id: match[2] } : null;
}
