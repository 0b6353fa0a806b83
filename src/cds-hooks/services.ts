/**
 * The CDS services of design.md section 1 and their discovery entries (CDS Hooks 2.0
 * "Discovery": hook, title, description, id REQUIRED/RECOMMENDED; prefetch OPTIONAL).
 *
 * Prefetch templates: searches a US Core 6/7 server must answer (US Core CapabilityStatement,
 * input/data/search_requirements.csv of HL7/US-Core), inside CDS Hooks 2.0 "Prefetch query
 * restrictions" (reads, `patient=` references, token equality with FHIR's comma OR, date prefixes):
 * - Observation: one search per category the facts read (SHALL `patient`+`category`; Epic refuses
 *   `Observation?patient=` without `category` or `code`): imaging and exam (staging findings),
 *   laboratory (eGFR, INR, platelets), vital-signs (BMI, pain on Epic flowsheets), social-history
 *   (smoking status), survey (AUDIT-C, Harris hip score, pain). NOT by status (`patient`+`category`+
 *   `status` is only SHOULD); the facts keep final/amended/corrected/preliminary (clinical-spec 3).
 *   An uncategorised finding is not found by any of these: a site whose findings carry no category
 *   passes a `code` search through buildApp's `services` option.
 * - DiagnosticReport: US Core's radiology category, LOINC LP29684-5 (SHALL `patient`+`category`);
 *   a report also coded v2-0074 `RAD` is read the same way (src/facts).
 * - DocumentReference: LOINC 18748-4 "Diagnostic imaging study" (SHALL `patient`+`type`), the
 *   imaging narrative of US Core's clinical-note types; servers that keep none answer an empty set.
 * - Procedure: `patient` alone (SHALL); hip imaging coded as a Procedure counts as a study.
 * - ServiceRequest: SNOMED 363679005 "Imaging" of the servicerequest-category value set US Core
 *   includes (SHALL `patient`+`category`): scheduled hip imaging (clinical-spec 14, read by src/facts).
 * - MedicationRequest: `intent=order,plan` (US Core SHALL `patient`+`intent`+`status`; `plan` is how
 *   patient-reported medications are kept) and `status=active,on-hold`, the exposure clinical-spec 10
 *   counts; NOT `draft`: the drafts of this ordering session come in context.draftOrders.
 * - ImagingStudy and MedicationStatement are not in US Core: asked for, never required.
 * - Condition: NOT narrowed (an absent clinicalStatus counts as current, clinical-spec 1; the ONFH
 *   codes live in the rules' value sets, which a site may extend).
 * Only `patient` and `conditions` are required (design.md section 8): any other key the EHR cannot
 * fill, or a search the FHIR server refuses, becomes a `source-unavailable` data gap, not a 412.
 * No `_count`: a client that honours it might truncate instead of paginating. When the service
 * fetches for itself it asks for large pages (`_count=1000`, capped by the server) and follows
 * `next` links up to FHIR_MAX_PAGES (src/fhir/prefetch.ts).
 */
import { z } from 'zod';
import type { HookName } from './request.js';

export interface ServiceDefinition {
  readonly id: string;
  readonly hook: HookName;
  readonly title: string;
  readonly description: string;
  readonly usageRequirements?: string;
  /** Prefetch key → template (CDS Hooks 2.0 "Prefetch Template"). */
  readonly prefetch: Readonly<Record<string, string>>;
  /**
   * The keys without which the service cannot answer (412 when neither prefetched nor fetchable).
   * Every other key degrades to a `source-unavailable` data gap. Absent: every key is required.
   */
  readonly requiredPrefetch?: readonly string[];
}

/** The same patient data for all three hooks: the engine stages the hips from it every time. */
const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const observationsOf = (category: string) => `Observation?patient={{context.patientId}}&category=${OBSERVATION_CATEGORY}|${category}`;

/** The same patient data for all three hooks: the engine stages the hips from it every time. */
export const ONFH_PREFETCH: Readonly<Record<string, string>> = {
  patient: 'Patient/{{context.patientId}}',
  conditions: 'Condition?patient={{context.patientId}}',
  imagingObservations: observationsOf('imaging'),
  examObservations: observationsOf('exam'),
  laboratoryObservations: observationsOf('laboratory'),
  vitalSignObservations: observationsOf('vital-signs'),
  socialHistoryObservations: observationsOf('social-history'),
  surveyObservations: observationsOf('survey'),
  radiologyReports: 'DiagnosticReport?patient={{context.patientId}}&category=http://loinc.org|LP29684-5',
  imagingDocuments: 'DocumentReference?patient={{context.patientId}}&type=http://loinc.org|18748-4',
  procedures: 'Procedure?patient={{context.patientId}}',
  imagingOrders: 'ServiceRequest?patient={{context.patientId}}&category=http://snomed.info/sct|363679005',
  imagingStudies: 'ImagingStudy?patient={{context.patientId}}&status=registered,available,unknown',
  medicationRequests: 'MedicationRequest?patient={{context.patientId}}&intent=order,plan&status=active,on-hold',
  medicationStatements: 'MedicationStatement?patient={{context.patientId}}&status=active,on-hold',
};

/** design.md section 8: without these there is no answer (412); the rest degrades to a data gap. */
export const ONFH_REQUIRED_PREFETCH: readonly string[] = ['patient', 'conditions'];

const USAGE =
  'Needs the prefetch keys listed, or fhirServer and fhirAuthorization to fetch the missing ones. ' +
  "Only 'patient' and 'conditions' are required (412 when they can be had neither way); any other key " +
  'that cannot be had is answered with a data gap naming the resource type.';

export const ONFH_SERVICES: readonly ServiceDefinition[] = [
  {
    id: 'onfh-patient-view',
    hook: 'patient-view',
    title: 'Osteonecrosis of the femoral head: stage and non-surgical care',
    description:
      'When a chart opens, stages each affected hip (ARCO 2019, Chinese staging) and shows the guideline ' +
      'recommendations for non-surgical care with their GRADE strength, contraindications, and when the next hip imaging is due.',
    usageRequirements: USAGE,
    prefetch: ONFH_PREFETCH,
    requiredPrefetch: ONFH_REQUIRED_PREFETCH,
  },
  {
    id: 'onfh-order-select',
    hook: 'order-select',
    title: 'Osteonecrosis of the femoral head: order check on selection',
    description:
      'When orders are selected for a patient with osteonecrosis of the femoral head, warns about orders the guideline ' +
      'advises against (e.g. bisphosphonates for ONFH, systemic corticosteroids) and suggests alternatives.',
    usageRequirements: USAGE,
    prefetch: ONFH_PREFETCH,
    requiredPrefetch: ONFH_REQUIRED_PREFETCH,
  },
  {
    id: 'onfh-order-sign',
    hook: 'order-sign',
    title: 'Osteonecrosis of the femoral head: order check before signing',
    description:
      'Before orders are signed for a patient with osteonecrosis of the femoral head, checks them against the guideline ' +
      '(contraindications, orders advised against) with override reasons.',
    usageRequirements: USAGE,
    prefetch: ONFH_PREFETCH,
    requiredPrefetch: ONFH_REQUIRED_PREFETCH,
  },
];

/** CDS Hooks 2.0 "Discovery › Response": `{ services: [...] }`. */
export const DiscoveryResponseSchema = z.object({
  services: z.array(
    z.object({
      hook: z.string().min(1),
      title: z.string().min(1).optional(),
      description: z.string().min(1),
      id: z.string().min(1),
      prefetch: z.record(z.string(), z.string()).optional(),
      usageRequirements: z.string().min(1).optional(),
    }),
  ),
});
