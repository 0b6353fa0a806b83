/**
 * Sources the EHR could not give (design.md sections 5 and 8): an optional search refused, an
 * OperationOutcome in a prefetch key, a key left out with no fhirServer. Each becomes the data gap
 * `source-unavailable`, naming the resource type and what the assessment may lack without it. Pure.
 */
import type { PatientFacts } from '../engine/patient-facts.js';

type DataGap = PatientFacts['dataGaps'][number];

/** What a missing source may hide (clinical-spec.md: 8 follow-up from the last study; 10 corticosteroid exposure; 3 findings). */
const CONSEQUENCE: Readonly<Record<string, readonly [string, string]>> = {
  DiagnosticReport: ['Imaging reports unavailable', 'follow-up dates may be wrong'],
  ImagingStudy: ['Imaging studies unavailable', 'follow-up dates may be wrong'],
  DocumentReference: ['Imaging documents unavailable', 'follow-up dates may be wrong'],
  Procedure: ['Procedures unavailable', 'hip imaging and hip procedures on record may be missed'],
  ServiceRequest: ['Imaging orders unavailable', 'imaging already scheduled may not be known'],
  Observation: ['Observations unavailable', 'findings, scores or laboratory results may be missing'],
  MedicationRequest: ['Medication orders unavailable', 'corticosteroid exposure may be missed'],
  MedicationStatement: ['Medication statements unavailable', 'corticosteroid exposure may be missed'],
  Binary: ['Report text unavailable', 'what the report says is not read'],
};

/** One `source-unavailable` gap per resource type (several Observation categories refused: one gap). */
export function sourceUnavailableGaps(unavailable: unknown): DataGap[] {
  if (!Array.isArray(unavailable)) return [];
  const gaps: DataGap[] = [];
  for (const u of unavailable as unknown[]) {
    const resource = typeof u === 'object' && u !== null ? (u as { resourceType?: unknown }).resourceType : undefined;
    if (typeof resource !== 'string' || gaps.some((g) => g.resource === resource)) continue;
    const [what, consequence] = CONSEQUENCE[resource] ?? [`${resource} unavailable`, 'the assessment may be incomplete'];
    gaps.push({ code: 'source-unavailable', resource, message: `${what} (${resource} could not be read from the EHR); ${consequence}` });
  }
  return gaps;
}
