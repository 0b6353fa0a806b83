/** A fhirServer the security layer refuses is never called: the missing keys are a 412. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { startFhirServer, type FhirTestServer } from '../support/fhir-server.js';
import { fhirAuthorization, fullPrefetch, PATIENT_ID, patientResources, patientViewRequest } from '../support/hook-requests.js';

const refusal = vi.hoisted(() => ({ reason: null as string | null, asked: [] as string[] }));
vi.mock('../../src/auth/fhir-guard.js', () => ({
  fhirServerRefusal: (_request: unknown, fhirServer: string) => {
    refusal.asked.push(fhirServer);
    return refusal.reason;
  },
}));

describe('fhirServerRefusal', () => {
  let fhir: FhirTestServer;
  beforeAll(async () => {
    fhir = await startFhirServer();
    await fhir.seed(patientResources(PATIENT_ID, 1));
  });
  afterAll(() => fhir.close());

  it('is asked only when something must be fetched, and a refusal means no call and a 412', async () => {
    const app = await buildApp(testConfig());
    const auth = { fhirServer: fhir.baseUrl, fhirAuthorization: fhirAuthorization() };
    refusal.reason = 'not on FHIR_SERVER_ALLOWLIST';

    let res = await app.inject({ method: 'POST', url: '/cds-services/onfh-patient-view', payload: patientViewRequest({ ...auth, prefetch: fullPrefetch(patientResources()) }) });
    expect(res.statusCode).toBe(200);
    expect(refusal.asked).toEqual([]);

    res = await app.inject({ method: 'POST', url: '/cds-services/onfh-patient-view', payload: patientViewRequest(auth) });
    expect(res.statusCode).toBe(412);
    expect(refusal.asked).toEqual([fhir.baseUrl]);
    expect(fhir.requests).toEqual([]);
    const texts = res.json<{ issue: { details: { text: string } }[] }>().issue.map((i) => i.details.text);
    expect(texts[0]).toBe("prefetch key 'patient': not prefetched, and this service may not call that fhirServer");
    expect(res.body).not.toContain('ALLOWLIST');

    refusal.reason = null;
    res = await app.inject({ method: 'POST', url: '/cds-services/onfh-patient-view', payload: patientViewRequest(auth) });
    expect(res.statusCode).toBe(200);
    expect(fhir.requests.length).toBeGreaterThan(0);
    await app.close();
  });
});
