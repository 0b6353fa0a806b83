/**
 * Test data for hook calls: CDS Hooks 2.0 requests for the three services and one ONFH patient's
 * FHIR resources. Only the fields the HTTP and FHIR layers look at are filled in.
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { ONFH_PREFETCH } from '../../src/cds-hooks/services.js';
import { templateResourceType } from '../../src/fhir/prefetch-template.js';

export const PATIENT_ID = 'onfh-patient-1';
export const OTHER_PATIENT_ID = 'someone-else';
export const ACCESS_TOKEN = 'test-fhir-access-token-7f3a9c';

export function fhirAuthorization(token = ACCESS_TOKEN) {
  return { access_token: token, token_type: 'Bearer', expires_in: 300, scope: 'user/*.read', subject: 'onfh-cds' };
}

export const IMAGING_CATEGORY = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'imaging' }] };

/** One patient with a right-hip ONFH condition, `observations` findings (category imaging), a hip MRI, an active corticosteroid. */
export function patientResources(patientId = PATIENT_ID, observations = 3): Resource[] {
  const subject = { reference: `Patient/${patientId}` };
  return [
    { resourceType: 'Patient', id: patientId, birthDate: '1980-04-02', gender: 'male' },
    {
      resourceType: 'Condition',
      id: `${patientId}-onfh-right`,
      subject,
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'M87.051', display: 'Idiopathic aseptic necrosis of right femur' }] },
    },
    ...Array.from({ length: observations }, (_, i): Resource => ({
      resourceType: 'Observation',
      id: `${patientId}-obs-${i}`,
      status: 'final',
      category: [IMAGING_CATEGORY],
      subject,
      code: { text: 'necrotic extent' },
      valueQuantity: { value: 10 + i, unit: '%' },
    })),
    { resourceType: 'ImagingStudy', id: `${patientId}-mri`, status: 'available', subject, started: '2026-08-01' },
    {
      resourceType: 'MedicationRequest',
      id: `${patientId}-pred`,
      status: 'active',
      intent: 'order',
      subject,
      medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '8640', display: 'prednisone' }] },
    },
    {
      resourceType: 'MedicationStatement',
      id: `${patientId}-pred-statement`,
      status: 'active',
      subject,
      medicationCodeableConcept: { text: 'prednisolone' },
    },
  ];
}

export function searchset(resources: readonly Resource[]): Bundle {
  return { resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource })) };
}

/** Whether a resource matches a template's `category=system|code` or `type=system|code` (the only narrowings besides status). */
function matchesTemplate(resource: Resource, template: string): boolean {
  const token = /[?&](category|type)=([^&]*)/.exec(template);
  if (token === null) return true;
  const [system, code] = (token[2] ?? '').split('|');
  const field = (resource as unknown as Record<string, unknown>)[token[1] ?? ''];
  const concepts = (Array.isArray(field) ? field : [field]) as ({ coding?: { system?: string; code?: string }[] } | undefined)[];
  return concepts.some((c) => (c?.coding ?? []).some((x) => x.system === system && x.code === code));
}

/** Every prefetch key of the ONFH services (discovery), filled from `resources` as a CDS client would. */
export function fullPrefetch(resources: readonly Resource[]): Record<string, Resource | null> {
  const prefetch: Record<string, Resource | null> = {};
  for (const [key, template] of Object.entries(ONFH_PREFETCH)) {
    const type = templateResourceType(template);
    const matching = resources.filter((r) => r.resourceType === type && matchesTemplate(r, template));
    prefetch[key] = template.includes('?') ? searchset(matching) : (matching[0] ?? null);
  }
  return prefetch;
}

export function patientViewRequest(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    hook: 'patient-view',
    hookInstance: randomUUID(),
    context: { userId: 'Practitioner/dr-1', patientId: PATIENT_ID },
    ...extra,
  };
}

export const DRAFT_ORDERS = {
  resourceType: 'Bundle',
  type: 'collection',
  entry: [
    {
      resource: {
        resourceType: 'MedicationRequest',
        id: 'draft-alendronate',
        status: 'draft',
        intent: 'order',
        subject: { reference: `Patient/${PATIENT_ID}` },
        medicationCodeableConcept: { text: 'alendronate 70 mg' },
      },
    },
  ],
};

export function orderSelectRequest(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    hook: 'order-select',
    hookInstance: randomUUID(),
    context: { userId: 'Practitioner/dr-1', patientId: PATIENT_ID, selections: ['MedicationRequest/draft-alendronate'], draftOrders: DRAFT_ORDERS },
    ...extra,
  };
}

export function orderSignRequest(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    hook: 'order-sign',
    hookInstance: randomUUID(),
    context: { userId: 'PractitionerRole/role-1', patientId: PATIENT_ID, draftOrders: DRAFT_ORDERS },
    ...extra,
  };
}

/** Resources the ONFH prefetch templates leave out (by status), for the same patient. */
export function outOfTemplateResources(patientId = PATIENT_ID): Resource[] {
  const subject = { reference: `Patient/${patientId}` };
  return [
    { resourceType: 'MedicationRequest', id: `${patientId}-old-course`, status: 'completed', intent: 'order', subject, medicationCodeableConcept: { text: 'prednisone 2019' } },
    { resourceType: 'Observation', id: `${patientId}-obs-error`, status: 'entered-in-error', subject, code: { text: 'necrotic extent' } },
    { resourceType: 'ImagingStudy', id: `${patientId}-cancelled`, status: 'cancelled', subject },
  ];
}
