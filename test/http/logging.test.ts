/** Log lines: one per hook call, with what operations needs and nothing of the patient's or the token. */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { startFhirServer, type FhirTestServer } from '../support/fhir-server.js';
import { ACCESS_TOKEN, fhirAuthorization, fullPrefetch, PATIENT_ID, patientResources, patientViewRequest } from '../support/hook-requests.js';

function captureLog(): { stream: Writable; text: () => string; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const text = () => chunks.join('');
  return { stream, text, lines: () => text().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('logging', () => {
  let fhir: FhirTestServer;
  beforeAll(async () => {
    fhir = await startFhirServer({ requiredToken: ACCESS_TOKEN });
    await fhir.seed(patientResources(PATIENT_ID, 2));
  });
  afterAll(() => fhir.close());

  it('writes one line per hook call (service, hookInstance, status, duration, cards) and never the token or a patient resource', async () => {
    const log = captureLog();
    const app = await buildApp(testConfig({ LOG_LEVEL: 'trace' }), {
      logStream: log.stream,
      decide: ({ record }) => ({
        cards: [],
        // Even a careless decider putting the record into a note (logged by the route) gets it redacted.
        notes: [{ event: 'decider-ran', message: 'decider ran', record, resources: record.resources }],
      }),
    });
    const partial = { ...fullPrefetch(patientResources(PATIENT_ID, 1)), observations: undefined };
    const request = patientViewRequest({ fhirServer: fhir.baseUrl, fhirAuthorization: fhirAuthorization(), prefetch: partial });
    const res = await app.inject({
      method: 'POST',
      url: '/cds-services/onfh-patient-view',
      headers: { authorization: 'Bearer client-jwt-secret' },
      payload: request,
    });
    expect(res.statusCode).toBe(200);
    // A failing call logs too, with its status.
    const bad = await app.inject({ method: 'POST', url: '/cds-services/onfh-patient-view', payload: { ...request, context: { patientId: PATIENT_ID } } });
    expect(bad.statusCode).toBe(400);
    await app.close();

    const hookLines = log.lines().filter((l) => l.event === 'cds.hook');
    expect(hookLines).toHaveLength(2);
    expect(hookLines[0]).toMatchObject({ serviceId: 'onfh-patient-view', hookInstance: request.hookInstance, status: 200, cards: 0 });
    expect(typeof hookLines[0]?.durationMs).toBe('number');
    expect(hookLines[1]).toMatchObject({ status: 400, hookInstance: request.hookInstance });

    const text = log.text();
    expect(text).not.toContain(ACCESS_TOKEN);
    expect(text).not.toContain('client-jwt-secret');
    expect(text).not.toContain('M87.051');
    expect(text).not.toContain('1980-04-02');
    expect(text).not.toContain(PATIENT_ID);
  });

  it('logs the cause of a 500 but answers only "Internal Server Error"', async () => {
    const log = captureLog();
    const app = await buildApp(testConfig({ LOG_LEVEL: 'info' }), {
      logStream: log.stream,
      decide: () => {
        throw new Error('rule set staging/arco-2019 has no stage for this hip');
      },
    });
    const res = await app.inject({ method: 'POST', url: '/cds-services/onfh-patient-view', payload: patientViewRequest({ prefetch: fullPrefetch(patientResources()) }) });
    await app.close();
    expect(res.body).not.toContain('arco-2019');
    expect(log.text()).toContain('rule set staging/arco-2019 has no stage for this hip');
  });

  it('is silent at LOG_LEVEL=silent', async () => {
    const log = captureLog();
    const app = await buildApp(testConfig({ LOG_LEVEL: 'silent' }), { logStream: log.stream });
    await app.inject({ method: 'POST', url: '/cds-services/onfh-patient-view', payload: patientViewRequest({ prefetch: fullPrefetch(patientResources()) }) });
    await app.close();
    expect(log.text()).toBe('');
  });
});
