import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type CdsDecisionInput } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { fhirAuthorization, fullPrefetch, orderSelectRequest, orderSignRequest, PATIENT_ID, patientResources, patientViewRequest } from '../support/hook-requests.js';

interface Outcome {
  resourceType: string;
  issue: { severity: string; code: string; details?: { text: string }; expression?: string[] }[];
}
const texts = (body: Outcome) => body.issue.map((i) => i.details?.text ?? '');

describe('POST /cds-services/{id}: request validation', () => {
  let app: FastifyInstance;
  const seen: CdsDecisionInput[] = [];
  beforeAll(async () => {
    app = await buildApp(testConfig({ MAX_RESOURCES: '50', MAX_JSON_DEPTH: '16', BODY_LIMIT_BYTES: '20000' }), {
      decide: (input) => {
        seen.push(input);
        return { cards: [], notes: [] };
      },
      now: () => new Date('2026-11-21T10:00:00Z'),
    });
  });
  afterAll(() => app.close());

  const post = (id: string, payload: unknown) => app.inject({ method: 'POST', url: `/cds-services/${id}`, payload: payload as Record<string, unknown> });
  const prefetch = fullPrefetch(patientResources());

  async function expect400(payload: unknown, field: string, id = 'onfh-patient-view'): Promise<Outcome> {
    const res = await post(id, payload);
    expect(res.statusCode).toBe(400);
    const body = res.json<Outcome>();
    expect(body.resourceType).toBe('OperationOutcome');
    expect(texts(body).some((t) => t.startsWith(`${field}: `))).toBe(true);
    return body;
  }

  it('answers a valid patient-view call with the decider\'s cards and hands it the context, record and clock', async () => {
    const res = await post('onfh-patient-view', patientViewRequest({ prefetch }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ cards: [] });
    const input = seen.at(-1);
    expect(input?.service.id).toBe('onfh-patient-view');
    expect(input?.hook).toBe('patient-view');
    expect(input?.context.patientId).toBe(PATIENT_ID);
    expect(input?.record.resources.map((r) => r.resourceType).sort()).toEqual(
      ['Condition', 'ImagingStudy', 'MedicationRequest', 'MedicationStatement', 'Observation', 'Observation', 'Observation', 'Patient'],
    );
    expect(input?.draftOrders).toEqual([]);
    expect(input?.selections).toEqual([]);
    expect(input?.now.toISOString()).toBe('2026-11-21T10:00:00.000Z');
  });

  it('hands order-select draft orders and selections to the decider', async () => {
    const res = await post('onfh-order-select', orderSelectRequest({ prefetch }));
    expect(res.statusCode).toBe(200);
    expect(seen.at(-1)?.draftOrders.map((r) => `${r.resourceType}/${r.id ?? ''}`)).toEqual(['MedicationRequest/draft-alendronate']);
    expect(seen.at(-1)?.selections).toEqual(['MedicationRequest/draft-alendronate']);
  });

  it('accepts an order-sign call', async () => {
    const res = await post('onfh-order-sign', orderSignRequest({ prefetch }));
    expect(res.statusCode).toBe(200);
    expect(seen.at(-1)?.hook).toBe('order-sign');
  });

  it('names a missing or malformed context field', async () => {
    await expect400(patientViewRequest({ prefetch, context: { userId: 'Practitioner/dr-1' } }), 'context.patientId');
    await expect400(patientViewRequest({ prefetch, context: { userId: 'Practitioner/dr-1', patientId: '../Patient/x?_id=1' } }), 'context.patientId');
    await expect400(patientViewRequest({ prefetch, context: { userId: 'dr-1', patientId: PATIENT_ID } }), 'context.userId');
    await expect400(patientViewRequest({ prefetch, context: { userId: 'Practitioner/dr-1', patientId: PATIENT_ID, encounterId: 7 } }), 'context.encounterId');
  });

  it('requires the order hooks\' draftOrders Bundle and order-select selections that name its resources', async () => {
    await expect400(orderSignRequest({ prefetch, context: { userId: 'Practitioner/dr-1', patientId: PATIENT_ID } }), 'context.draftOrders', 'onfh-order-sign');
    const badBundle = orderSignRequest({ prefetch });
    (badBundle.context as Record<string, unknown>).draftOrders = { resourceType: 'Patient' };
    await expect400(badBundle, 'context.draftOrders.resourceType', 'onfh-order-sign');
    const strangeSelection = orderSelectRequest({ prefetch });
    (strangeSelection.context as Record<string, unknown>).selections = ['MedicationRequest/not-in-bundle'];
    const notInBundle = await expect400(strangeSelection, 'context.selections.0', 'onfh-order-select');
    expect(texts(notInBundle)).toContain('context.selections.0: is not a resource of context.draftOrders');
    const patientUser = orderSignRequest({ prefetch });
    (patientUser.context as Record<string, unknown>).userId = 'Patient/p1';
    await expect400(patientUser, 'context.userId', 'onfh-order-sign');
  });

  it('requires the hook of the service, a UUID hookInstance and a URL fhirServer', async () => {
    const wrongHook = await expect400(orderSignRequest({ prefetch }), 'hook');
    expect(texts(wrongHook)[0]).toContain("'patient-view'");
    await expect400(patientViewRequest({ prefetch, hookInstance: 'not-a-uuid' }), 'hookInstance');
    await expect400(patientViewRequest({ prefetch, fhirServer: 'not a url' }), 'fhirServer');
    await expect400(patientViewRequest({ prefetch, fhirServer: 'ftp://ehr.example.org/fhir' }), 'fhirServer');
    await expect400(patientViewRequest({ prefetch, fhirServer: 'https://ehr.example.org/fhir?tenant=1' }), 'fhirServer');
    await expect400(patientViewRequest({ prefetch, fhirServer: 'https://user:secret@ehr.example.org/fhir' }), 'fhirServer');
  });

  it('checks fhirAuthorization as CDS Hooks 2.0 defines it, and wants fhirServer with it', async () => {
    const noServer = await expect400(patientViewRequest({ prefetch, fhirAuthorization: fhirAuthorization() }), 'fhirServer');
    expect(texts(noServer)).toEqual(['fhirServer: is required when fhirAuthorization is given']);
    const server = { fhirServer: 'https://ehr.example.org/fhir' };
    await expect400(patientViewRequest({ prefetch, ...server, fhirAuthorization: { ...fhirAuthorization(), token_type: 'MAC' } }), 'fhirAuthorization.token_type');
    await expect400(patientViewRequest({ prefetch, ...server, fhirAuthorization: { ...fhirAuthorization(), expires_in: 1.5 } }), 'fhirAuthorization.expires_in');
    const noSubject = { ...fhirAuthorization(), subject: undefined };
    await expect400(patientViewRequest({ prefetch, ...server, fhirAuthorization: noSubject }), 'fhirAuthorization.subject');
  });

  it('refuses a prefetch value that is not a FHIR resource', async () => {
    await expect400(patientViewRequest({ prefetch: { ...prefetch, conditions: 'Condition/1' } }), 'prefetch.conditions');
    await expect400(patientViewRequest({ prefetch: { ...prefetch, conditions: { entry: [] } } }), 'prefetch.conditions.resourceType');
  });

  it('answers malformed JSON, a non-object body and an empty body with 400 and an OperationOutcome', async () => {
    for (const payload of ['{"hook": "patient-view",', '[1,2]', '"text"', '']) {
      const res = await app.inject({ method: 'POST', url: '/cds-services/onfh-patient-view', headers: { 'content-type': 'application/json' }, payload });
      expect(res.statusCode).toBe(400);
      expect(texts(res.json<Outcome>())[0]).toMatch(/^body: /);
    }
    const poisoned = '{"hook":"patient-view","__proto__":{"polluted":true}}';
    const res = await app.inject({ method: 'POST', url: '/cds-services/onfh-patient-view', headers: { 'content-type': 'application/json' }, payload: poisoned });
    expect(res.statusCode).toBe(400);
    expect(texts(res.json<Outcome>())[0]).toContain('__proto__');
  });

  it('refuses JSON nested deeper than MAX_JSON_DEPTH before parsing it', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const res = await app.inject({ method: 'POST', url: '/cds-services/onfh-patient-view', headers: { 'content-type': 'application/json' }, payload: deep });
    expect(res.statusCode).toBe(400);
    expect(texts(res.json<Outcome>())[0]).toContain('MAX_JSON_DEPTH');
  });

  it('refuses more than MAX_RESOURCES resources in prefetch and draftOrders', async () => {
    const many = fullPrefetch(patientResources(PATIENT_ID, 60));
    const res = await post('onfh-patient-view', patientViewRequest({ prefetch: many }));
    expect(res.statusCode).toBe(400);
    expect(texts(res.json<Outcome>())[0]).toContain('MAX_RESOURCES');
  });

  it('answers a body over BODY_LIMIT_BYTES with 413 and an OperationOutcome', async () => {
    const res = await post('onfh-patient-view', patientViewRequest({ prefetch, padding: 'x'.repeat(30_000) }));
    expect(res.statusCode).toBe(413);
    expect(res.json<Outcome>().issue[0]?.code).toBe('too-costly');
  });

  it('answers an unknown service with 404, whatever the body', async () => {
    const res = await app.inject({ method: 'POST', url: '/cds-services/onfh-unknown', headers: { 'content-type': 'application/json' }, payload: '{oops' });
    expect(res.statusCode).toBe(404);
    expect(texts(res.json<Outcome>())[0]).toContain("'onfh-unknown'");
  });

  it('answers a decider failure with a bare 500 that names nothing', async () => {
    const failing = await buildApp(testConfig(), {
      decide: () => {
        throw new Error(`engine exploded on patient ${PATIENT_ID}`);
      },
    });
    const res = await failing.inject({ method: 'POST', url: '/cds-services/onfh-patient-view', payload: patientViewRequest({ prefetch }) });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ resourceType: 'OperationOutcome', issue: [{ severity: 'fatal', code: 'exception', details: { text: 'Internal Server Error' } }] });
    await failing.close();
  });
});
