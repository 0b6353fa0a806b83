/**
 * Assembling one patient's record from prefetch slots and FHIR search results: pure, no I/O.
 * The record is what the engine sees, so anything that is not this patient's is left out here.
 */

export interface PatientRecord {
  readonly patientId: string;
  readonly resources: readonly fhir4.FhirResource[];
  /**
   * Optional sources that could not be read (a refused search, an OperationOutcome or a missing key
   * with no fhirServer): the record goes on without them and the facts say so (data gap
   * `source-unavailable`, design.md section 5). Absent or empty: everything asked for was read.
   */
  readonly unavailable?: readonly SourceUnavailable[];
}

/** One optional source the record lacks. `reason` is worded for an integrator: no URL, no token, no patient data. */
export interface SourceUnavailable {
  /** The FHIR resource type asked for, e.g. DiagnosticReport. */
  readonly resourceType: string;
  /** The prefetch key, e.g. radiologyReports. */
  readonly key: string;
  readonly reason: string;
}

/** `Patient/123`, `https://ehr/fhir/Patient/123`, `Patient/123/_history/2` → { type, id }. */
export function parseReference(reference: string): { readonly type: string; readonly id: string } | null {
  const match = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(reference);
  return match?.[1] !== undefined && match[2] !== undefined ? { type: match[1], id: match[2] } : null;
}

/**
 * Whether a resource belongs to the patient: Patient by its id; other resources by the reference in
 * `subject` or `patient` (the compartment links of the resources we read). A resource with no such
 * reference string (e.g. Medication) is not patient-specific and is kept.
 */
export function belongsToPatient(resource: fhir4.FhirResource, patientId: string, ownReference = `Patient/${patientId}`): boolean {
  if (resource.resourceType === 'Patient') return resource.id === patientId;
  const { subject, patient } = resource as { subject?: unknown; patient?: unknown };
  return refersToPatient(subject, patientId, ownReference) && refersToPatient(patient, patientId, ownReference);
}

/** Whether a Reference field (absent, or not a plain reference string, counts as yes) names the patient. */
function refersToPatient(field: unknown, patientId: string, ownReference: string): boolean {
  if (typeof field !== 'object' || field === null) return true;
  const reference = (field as { reference?: unknown }).reference;
  if (typeof reference !== 'string' || reference === ownReference) return true;
  const parsed = parseReference(reference);
  return parsed?.type === 'Patient' && parsed.id === patientId;
}

/**
 * One record from several lists of resources: OperationOutcomes dropped, other patients' resources
 * dropped, duplicates (same type and id, e.g. a Condition both prefetched and fetched) kept once,
 * the first seen winning.
 */
export function assemblePatientRecord(patientId: string, lists: Iterable<readonly fhir4.FhirResource[]>): PatientRecord {
  const ownReference = `Patient/${patientId}`;
  // Ids seen, per resource type (no string building per resource: this runs on every hook call).
  const seen = new Map<string, Set<string>>();
  const resources: fhir4.FhirResource[] = [];
  for (const list of lists) {
    for (const resource of list) {
      if (resource.resourceType === 'OperationOutcome') continue;
      if (!belongsToPatient(resource, patientId, ownReference)) continue;
      if (resource.id !== undefined) {
        let ids = seen.get(resource.resourceType);
        if (ids === undefined) {
          ids = new Set();
          seen.set(resource.resourceType, ids);
        }
        if (ids.has(resource.id)) continue;
        ids.add(resource.id);
      }
      resources.push(resource);
    }
  }
  return { patientId, resources };
}
