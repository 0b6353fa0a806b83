/**
 * The `fhir4` namespace (FHIR R4 types) used across the service's signatures, e.g.
 * `readonly fhir4.FhirResource[]` in CdsDecider. The installed @types/fhir (3.0.2) describes STU3
 * only and has no `fhir4`, so the names map onto @medplum/fhirtypes (R4, type-only: nothing of
 * it is loaded at run time).
 */
import type * as R4 from '@medplum/fhirtypes';

declare global {
  namespace fhir4 {
    type FhirResource = R4.Resource;
    type Resource = R4.Resource;
    type Bundle<T extends R4.Resource = R4.Resource> = R4.Bundle<T>;
    type BundleEntry<T extends R4.Resource = R4.Resource> = R4.BundleEntry<T>;
    type BundleLink = R4.BundleLink;
    type OperationOutcome = R4.OperationOutcome;
    type OperationOutcomeIssue = R4.OperationOutcomeIssue;
    type Patient = R4.Patient;
    type Condition = R4.Condition;
    type Observation = R4.Observation;
    type ImagingStudy = R4.ImagingStudy;
    type MedicationRequest = R4.MedicationRequest;
    type MedicationStatement = R4.MedicationStatement;
    type ServiceRequest = R4.ServiceRequest;
    type DiagnosticReport = R4.DiagnosticReport;
    type DocumentReference = R4.DocumentReference;
    type Procedure = R4.Procedure;
    type Binary = R4.Binary;
    type Attachment = R4.Attachment;
    type Reference = R4.Reference;
    type Coding = R4.Coding;
    type CodeableConcept = R4.CodeableConcept;
  }
}
