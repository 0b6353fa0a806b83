/**
 * The CDS services of design.md section 1 and their discovery entries (CDS Hooks 2.0
 * "Discovery": hook, title, description, id REQUIRED/RECOMMENDED; prefetch OPTIONAL).
 *
 * Prefetch templates. CDS Hooks 2.0 "Prefetch query restrictions" allow instance reads, type
 * searches by reference (`patient={{context.patientId}}`), token equality (`:in` the only
 * modifier; a comma list is FHIR's OR of equalities), date prefixes eq/lt/gt/ge/le, `_count` and
 * `_sort`. Whatever a template leaves out the engine never sees, so a narrowing is used only where
 * it cannot drop a resource the clinical rules read (clinical-spec.md):
 * - Condition: NOT narrowed by clinical-status: an absent clinicalStatus counts as current
 *   (section 1) and would match no `clinical-status=` value. Not by code either: the ONFH codes
 *   live in the rules' value sets, which a site may extend (RULES_DIR), and clients rarely
 *   support `code:in` for our ValueSet.
 * - Observation: by status only, `final,amended,corrected,preliminary`, the statuses whose
 *   findings are used (section 3). Safe because Observation.status is required (1..1). NOT by
 *   category: staging findings are often uncategorised, or `imaging` vs `exam` by site habit.
 * - ImagingStudy: by status only, everything but `cancelled` and `entered-in-error` (status is
 *   required). NOT by modality: that search parameter reads `series.modality`, and many EHR
 *   ImagingStudy resources list no series; the follow-up interval needs every hip study.
 * - MedicationRequest and MedicationStatement: `status=active,on-hold`, the exposure section 10
 *   counts ("an active systemic corticosteroid order/statement"; a paused course is still
 *   exposure). NOT `draft`: the drafts of this ordering session come in context.draftOrders.
 *   The drug-associated etiology is read from the Condition code (section 9), not from
 *   medication history. MedicationStatement is asked for at all because patient-reported and
 *   reconciled corticosteroid use is often recorded there and nowhere else.
 * - No `_include` of the Medication a request references: outside the 2.0 query subset; the
 *   facts read the request's own code or text, or a contained Medication.
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
  observations: 'Observation?patient={{context.patientId}}&status=final,amended,corrected,preliminary',
  imagingStudies: 'ImagingStudy?patient={{context.patientId}}&status=registered,available,unknown',
  medicationRequests: 'MedicationRequest?patient={{context.patientId}}&status=active,on-hold',
  medicationStatements: 'MedicationStatement?patient={{context.patientId}}&status=active,on-hold',
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
