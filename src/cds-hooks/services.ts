/**
 * The CDS services of design.md section 1 and their discovery entries (CDS Hooks 2.0
 * "Discovery": hook, title, description, id REQUIRED/RECOMMENDED; prefetch OPTIONAL).
 *
 * Prefetch templates. CDS Hooks 2.0 "Prefetch query restrictions" allow instance reads, type
 * searches by reference (`patient={{context.patientId}}`), token equality (`:in` the only
 * modifier), date prefixes eq/lt/gt/ge/le, `_count` and `_sort`. Whatever a template leaves out
 * the engine never sees, so a narrowing is only used where it cannot drop a resource that matters:
 * - Condition: NOT narrowed by clinical-status: an absent clinicalStatus (allowed on
 *   problem-list items and encounter diagnoses) would not match `clinical-status=active`, and a
 *   resolved or inactive hip condition still carries the side, stage and etiology history.
 *   Not by code either: the ONFH codes live in the rules' value sets, which a site may extend
 *   (RULES_DIR), and a client rarely supports `code:in` for our ValueSet.
 * - Observation: NOT narrowed by category: staging findings (necrotic extent, collapse depth,
 *   bone-marrow oedema) are often uncategorised or `imaging` vs `exam` by site habit.
 * - ImagingStudy: NOT narrowed by modality: the `modality` search parameter reads
 *   `series.modality`, and many EHR ImagingStudy resources list no series at all; the follow-up
 *   interval needs every hip study (MR, CT, CR, DX).
 * - MedicationRequest: NOT narrowed by status (active,draft,…): a completed or stopped course of
 *   systemic corticosteroid is the drug-associated etiology (clinical-spec.md section 9), and
 *   only the history shows it.
 * - MedicationStatement: included: patient-reported and reconciled corticosteroid exposure is
 *   often recorded there and nowhere else.
 * No `_count`: a client that honours it might truncate instead of paginating. When the service
 * fetches for itself it asks for large pages (`_count=1000`, capped by the server) and follows
 * `next` links up to FHIR_MAX_PAGES (src/fhir/prefetch.ts).
 * A deployment may pass narrower templates through buildApp's `services` option (e.g. code lists
 * from the loaded value sets).
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
}

/** The same patient data for all three hooks: the engine stages the hips from it every time. */
export const ONFH_PREFETCH: Readonly<Record<string, string>> = {
  patient: 'Patient/{{context.patientId}}',
  conditions: 'Condition?patient={{context.patientId}}',
  observations: 'Observation?patient={{context.patientId}}',
  imagingStudies: 'ImagingStudy?patient={{context.patientId}}',
  medicationRequests: 'MedicationRequest?patient={{context.patientId}}',
  medicationStatements: 'MedicationStatement?patient={{context.patientId}}',
};

const USAGE =
  'Needs the prefetch keys listed, or fhirServer and fhirAuthorization to fetch the missing ones; ' +
  'answers 412 when required data can be had neither way.';

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
