/** The test FHIR server behaves as the FHIR tests and the benchmark rely on. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFhirServer, type FhirTestServer } from '../support/fhir-server.js';
import { OTHER_PATIENT_ID, PATIENT_ID, patientResources } from '../support/hook-requests.js';

interface Bundle {
  resourceType: string;
  type: string;
  total?: number;
  entry?: { resource: { id: string; subject?: { reference: string } } }[];
  link?: { relation: string; url: string }[];
}

describe('test FHIR server (medplum fhir-router + MemoryRepository)', () => {
  let fhir: FhirTestServer;
  beforeAll(async () => {
    fhir = await startFhirServer({ pageSize: 4, requiredToken: 't' });
    await fhir.seed([...patientResources(PATIENT_ID, 10), ...patientResources(OTHER_PATIENT_ID, 3)]);
  });
  afterAll(() => fhir.close());
  const get = async (path: string, token = 't') => fetch(`${fhir.baseUrl}/${path}`, { headers: { authorization: `Bearer ${token}` } });

  it('searches by patient=<id> and pages with _count and next links', async () => {
    const ids: string[] = [];
    let url: string | undefined = `${fhir.baseUrl}/Observation?patient=${PATIENT_ID}`;
    let pages = 0;
    while (url !== undefined) {
      const bundle = (await (await fetch(url, { headers: { authorization: 'Bearer t' } })).json()) as Bundle;
      expect(bundle.type).toBe('searchset');
      ids.push(...(bundle.entry ?? []).map((e) => e.resource.id));
      url = bundle.link?.find((l) => l.relation === 'next')?.url;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(new Set(ids).size).toBe(10);
    const two = (await (await get(`Observation?patient=${PATIENT_ID}&_count=2`)).json()) as Bundle;
    expect(two.entry).toHaveLength(2);
  });

  it('reads by id, answers 404 for an unknown one and 401 without the token', async () => {
    expect(((await (await get(`Patient/${PATIENT_ID}`)).json()) as { id: string }).id).toBe(PATIENT_ID);
    expect((await get('Patient/nobody')).status).toBe(404);
    expect((await get(`Patient/${PATIENT_ID}`, 'wrong')).status).toBe(401);
  });

  it('injects faults only where and as often as asked', async () => {
    fhir.injectFault({ resourceType: 'Condition', fault: { kind: 'status', status: 503 }, times: 1 });
    expect((await get(`Condition?patient=${PATIENT_ID}`)).status).toBe(503);
    expect((await get(`Condition?patient=${PATIENT_ID}`)).status).toBe(200);
    fhir.injectFault({ resourceType: 'Condition', fault: { kind: 'bundle-type', type: 'collection' } });
    expect(((await (await get(`Condition?patient=${PATIENT_ID}`)).json()) as Bundle).type).toBe('collection');
    fhir.clearFaults();
    fhir.injectFault({ fault: { kind: 'malformed-json' } });
    await expect((await get(`Condition?patient=${PATIENT_ID}`)).json()).rejects.toThrow();
    fhir.clearFaults();
  });
});
