/**
 * Warm-up before the app reports ready (issue 22 item 5): a cold process answered /readyz in
 * 3.5–5.9 s under its first burst of hook calls, while V8 compiled the request schemas, the
 * facts, the rules and the cards for the first time; the k8s probe timeout is 2 s. buildApp runs
 * this once, before listen, so /readyz turns 200 only once the hook path is compiled.
 *
 * One synthetic patient (no real data; the MRI-confirmed right-hip case of examples/) goes
 * through what a hook call and POST /assessment do, without I/O: the request schema, the
 * patient record, the pipeline's decision (facts → engine → cards), the card schema, and its assessBundle.
 */
import { CardsResponseSchema } from '../cds-hooks/card.js';
import { CdsRequestSchema } from '../cds-hooks/request.js';
import type { ServiceDefinition } from '../cds-hooks/services.js';
import { bundleResources } from '../fhir/bundle.js';
import { assemblePatientRecord } from '../fhir/patient-record.js';
import type { CdsDecider, Pipeline } from '../pipeline/index.js';

const PATIENT_ID = 'warm-up-synthetic';
const searchset = (resources: readonly object[]): object => ({ resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource })) });

function syntheticPrefetch(): Record<string, object> {
  const subject = { reference: `Patient/${PATIENT_ID}` };
  const condition = {
    resourceType: 'Condition',
    id: 'warm-up-condition',
    subject,
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
    code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M87.051' }] },
  };
  const study = {
    resourceType: 'ImagingStudy',
    id: 'warm-up-mr',
    status: 'available',
    subject,
    started: '2026-06-02',
    modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'MR' }],
  };
  return {
    patient: { resourceType: 'Patient', id: PATIENT_ID, gender: 'male', birthDate: '1982-04-17' },
    conditions: searchset([condition]),
    observations: searchset([]),
    imagingStudies: searchset([study]),
    medicationRequests: searchset([]),
    medicationStatements: searchset([]),
  };
}

/** Runs the hook path `rounds` times per patient-view service; returns how long it took (ms). */
export function warmUp(input: { pipeline: Pipeline; decide: CdsDecider; services: readonly ServiceDefinition[]; rounds?: number }): number {
  const start = performance.now();
  const now = new Date('2026-11-21T09:00:00Z');
  const services = input.services.filter((s) => s.hook === 'patient-view');
  for (let round = 0; round < (input.rounds ?? 5); round++) {
    for (const service of services) {
      const body = {
        hook: 'patient-view',
        hookInstance: '00000000-0000-4000-8000-000000000000',
        context: { userId: 'Practitioner/warm-up', patientId: PATIENT_ID },
        prefetch: syntheticPrefetch(),
      };
      const request = CdsRequestSchema.safeParse(body);
      if (!request.success || request.data.hook !== 'patient-view') continue;
      const lists = Object.values(body.prefetch).map((v) => ('entry' in v ? bundleResources(v as fhir4.Bundle) : [v as fhir4.FhirResource]));
      const record = assemblePatientRecord(PATIENT_ID, lists);
      const { cards } = input.decide({ service, hook: 'patient-view', context: request.data.context, record, draftOrders: [], selections: [], now });
      CardsResponseSchema.safeParse({ cards });
    }
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: Object.values(syntheticPrefetch()).flatMap((v) => ('entry' in v ? (v as { entry: object[] }).entry : [{ resource: v }])) };
    input.pipeline.assessBundle(bundle, '2026-11-21');
  }
  return performance.now() - start;
}
