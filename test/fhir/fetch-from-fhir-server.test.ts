/**
 * The FHIR path against a real FHIR server (@medplum/fhir-router + MemoryRepository on
 * 127.0.0.1): what is prefetched is used, what is missing is fetched with the bearer token,
 * paging is followed, and every way the server can fail ends in a 412 naming the key.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type CdsDecisionInput } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { startFhirServer, type FhirTestServer } from '../support/fhir-server.js';
import { ACCESS_TOKEN, fhirAuthorization, fullPrefetch, OTHER_PATIENT_ID, outOfTemplateResources, PATIENT_ID, patientResources, patientViewRequest, searchset } from '../support/hook-requests.js';

interface Outcome {
  issue: { code: string; details?: { text: string }; expression?: string[] }[];
}

describe('prefetch resolution against a FHIR server', () => {
  let fhir: FhirTestServer;
  let elsewhere: FhirTestServer;
  let app: FastifyInstance;
  let last: CdsDecisionInput | undefined;

  beforeAll(async () => {
    // 25 observations, and a server that serves at most 10 per page: three pages.
    fhir = await startFhirServer({ pageSize: 10, maxPageSize: 10, requiredToken: ACCESS_TOKEN });
    elsewhere = await startFhirServer();
    await fhir.seed([...patientResources(PATIENT_ID, 25), ...outOfTemplateResources(PATIENT_ID), ...patientResources(OTHER_PATIENT_ID, 2)]);
    app = await buildApp(testConfig({ FHIR_TIMEOUT_MS: '300', FHIR_MAX_PAGES: '5' }), {
      decide: (input) => {
        last = input;
        return { cards: [], notes: [] };
      },
    });
  });
  afterEach(() => {
    fhir.clearFaults();
    fhir.requests.length = 0;
    elsewhere.requests.length = 0;
    last = undefined;
  });
  afterAll(async () => {
    await app.close();
    await fhir.close();
    await elsewhere.close();
  });

  const call = (extra: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/cds-services/onfh-patient-view', payload: patientViewRequest(extra) });
  const withServer = (extra: Record<string, unknown> = {}) => call({ fhirServer: fhir.baseUrl, fhirAuthorization: fhirAuthorization(), ...extra });
  const ids = () => (last?.record.resources ?? []).map((r) => `${r.resourceType}/${r.id ?? ''}`).sort();
  const countOf = (type: string) => (last?.record.resources ?? []).filter((r) => r.resourceType === type).length;
  const issues = (body: Outcome) => body.issue.map((i) => i.details?.text ?? '');

  it('uses a full prefetch and calls the FHIR server not at all', async () => {
    const res = await withServer({ prefetch: fullPrefetch(patientResources(PATIENT_ID, 2)) });
    expect(res.statusCode).toBe(200);
    expect(fhir.requests).toEqual([]);
    expect(countOf('Observation')).toBe(2);
    expect(countOf('Patient')).toBe(1);
  });

  it('fetches only the keys the client left out', async () => {
    const partial = { ...fullPrefetch(patientResources(PATIENT_ID, 0)), observations: undefined, imagingStudies: undefined };
    const res = await withServer({ prefetch: partial });
    expect(res.statusCode).toBe(200);
    const searched = fhir.requests.filter((r) => !r.url.includes('_offset')).map((r) => r.url.split('?')[0]).sort();
    expect(searched).toEqual(['/fhir/ImagingStudy', '/fhir/Observation']);
    expect(countOf('Observation')).toBe(25);
    expect(countOf('ImagingStudy')).toBe(1);
  });

  it('fetches every key without prefetch, in parallel, following next links across three pages', async () => {
    const res = await withServer();
    expect(res.statusCode).toBe(200);
    const observationPages = fhir.requests.filter((r) => r.url.startsWith('/fhir/Observation'));
    expect(observationPages).toHaveLength(3);
    // The template as rendered, plus a request for large pages; the server's cap decides.
    expect(observationPages[0]?.url).toBe(`/fhir/Observation?patient=${PATIENT_ID}&status=final,amended,corrected,preliminary&_count=1000`);
    // The templates' status narrowing reaches the server: a completed course, an erroneous finding, a cancelled study stay out.
    expect(ids()).not.toContain(`MedicationRequest/${PATIENT_ID}-old-course`);
    expect(ids()).not.toContain(`Observation/${PATIENT_ID}-obs-error`);
    expect(ids()).not.toContain(`ImagingStudy/${PATIENT_ID}-cancelled`);
    expect(countOf('MedicationRequest')).toBe(1);
    expect(countOf('Observation')).toBe(25);
    expect(ids()).toContain(`Patient/${PATIENT_ID}`);
    expect(ids()).toContain(`Condition/${PATIENT_ID}-onfh-right`);
    expect(ids()).toContain(`MedicationStatement/${PATIENT_ID}-pred-statement`);
  });

  it('takes a key sent as null as "no data" and does not fetch it', async () => {
    const res = await withServer({ prefetch: { ...fullPrefetch(patientResources(PATIENT_ID, 0)), observations: null } });
    expect(res.statusCode).toBe(200);
    expect(fhir.requests).toEqual([]);
    expect(countOf('Observation')).toBe(0);
  });

  it('fetches a key whose prefetch slot holds an OperationOutcome', async () => {
    const failed = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'timeout' }] };
    const res = await withServer({ prefetch: { ...fullPrefetch(patientResources(PATIENT_ID, 0)), observations: failed } });
    expect(res.statusCode).toBe(200);
    expect(fhir.requests.every((r) => r.url.startsWith('/fhir/Observation'))).toBe(true);
    expect(countOf('Observation')).toBe(25);
    expect(countOf('OperationOutcome')).toBe(0);
  });

  it('follows the next link of a prefetched first page', async () => {
    const first = searchset(patientResources(PATIENT_ID, 25).filter((r) => r.resourceType === 'Observation').slice(0, 10));
    first.link = [{ relation: 'next', url: `${fhir.baseUrl}/Observation?patient=${PATIENT_ID}&status=final,amended,corrected,preliminary&_count=10&_offset=10` }];
    const res = await withServer({ prefetch: { ...fullPrefetch(patientResources(PATIENT_ID, 0)), observations: first } });
    expect(res.statusCode).toBe(200);
    expect(fhir.requests).toHaveLength(2);
    expect(countOf('Observation')).toBe(25);
  });

  it('sends the token as a Bearer token to the fhirServer, and never to another origin', async () => {
    fhir.injectFault({ resourceType: 'Observation', page: 2, fault: { kind: 'next-link', url: `${elsewhere.baseUrl}/Observation?page=3` } });
    const res = await withServer();
    expect(fhir.requests.length).toBeGreaterThan(0);
    expect(fhir.requests.every((r) => r.authorization === `Bearer ${ACCESS_TOKEN}`)).toBe(true);
    expect(elsewhere.requests).toEqual([]);
    expect(res.statusCode).toBe(412);
    expect(issues(res.json<Outcome>())).toEqual(["prefetch key 'observations': could not be fetched: a next link leaves the fhirServer origin; it is not followed"]);
  });

  it('does not follow a redirect (which would carry the token along)', async () => {
    fhir.injectFault({ resourceType: 'Condition', fault: { kind: 'redirect', location: `${elsewhere.baseUrl}/Condition` } });
    const res = await withServer();
    expect(res.statusCode).toBe(412);
    expect(elsewhere.requests).toEqual([]);
    expect(issues(res.json<Outcome>())[0]).toMatch(/^prefetch key 'conditions': could not be fetched: .*redirect/);
  });

  it('stops a loop of next links with 412: the server says there is more and never gives it', async () => {
    fhir.injectFault({ resourceType: 'Observation', page: 2, fault: { kind: 'next-link', url: `${fhir.baseUrl}/Observation?subject=Patient/${PATIENT_ID}&_count=10&_offset=0` } });
    fhir.injectFault({ resourceType: 'Observation', page: 1, fault: { kind: 'next-link', url: `${fhir.baseUrl}/Observation?subject=Patient/${PATIENT_ID}&_count=10&_offset=10` } });
    const res = await withServer({ prefetch: { ...fullPrefetch(patientResources(PATIENT_ID, 0)), observations: undefined } });
    // the first page, its next (offset 10), that one's next (offset 0: a new URL), whose next is offset 10 again
    const urls = fhir.requests.map((r) => r.url);
    expect(urls[0]).toMatch(/^\/fhir\/Observation\?patient=/);
    expect(urls.slice(1)).toEqual([
      `/fhir/Observation?subject=Patient/${PATIENT_ID}&_count=10&_offset=10`,
      `/fhir/Observation?subject=Patient/${PATIENT_ID}&_count=10&_offset=0`,
    ]);
    expect(res.statusCode).toBe(412);
    expect(issues(res.json<Outcome>())).toEqual(["prefetch key 'observations': could not be fetched: the next links of the FHIR server loop back to a page already read"]);
  });

  it('refuses more pages than FHIR_MAX_PAGES with 412', async () => {
    const small = await buildApp(testConfig({ FHIR_MAX_PAGES: '2' }));
    const res = await small.inject({
      method: 'POST',
      url: '/cds-services/onfh-patient-view',
      payload: patientViewRequest({ fhirServer: fhir.baseUrl, fhirAuthorization: fhirAuthorization() }),
    });
    await small.close();
    expect(res.statusCode).toBe(412);
    expect(issues(res.json<Outcome>())).toEqual(["prefetch key 'observations': could not be fetched: more than 2 pages (FHIR_MAX_PAGES) of results"]);
  });

  it('ignores resources of other patients, and keeps one copy of a resource both prefetched and fetched', async () => {
    const mine = patientResources(PATIENT_ID, 1);
    const theirs = patientResources(OTHER_PATIENT_ID, 1);
    const prefetch = { ...fullPrefetch([...mine, ...theirs]), patient: theirs[0] ?? null, observations: undefined };
    const res = await withServer({ prefetch });
    expect(res.statusCode).toBe(200);
    expect(ids().filter((id) => id.includes(OTHER_PATIENT_ID))).toEqual([]);
    expect(countOf('Patient')).toBe(0);
    expect(countOf('Condition')).toBe(1);
    expect(countOf('Observation')).toBe(25);
  });

  it('answers 412 when the time budget is spent on a slow server', async () => {
    fhir.injectFault({ resourceType: 'Observation', fault: { kind: 'delay', ms: 1000 } });
    const started = Date.now();
    const res = await withServer();
    expect(Date.now() - started).toBeLessThan(900);
    expect(res.statusCode).toBe(412);
    expect(issues(res.json<Outcome>())).toEqual(["prefetch key 'observations': could not be fetched: the FHIR time budget was spent"]);
  });

  it('answers 412 naming the key when the server answers 500', async () => {
    fhir.injectFault({ resourceType: 'ImagingStudy', fault: { kind: 'status', status: 500 } });
    const res = await withServer();
    expect(res.statusCode).toBe(412);
    expect(res.json<Outcome>().issue).toEqual([
      { severity: 'error', code: 'incomplete', details: { text: "prefetch key 'imagingStudies': could not be fetched: the FHIR server answered HTTP 500" }, expression: ['prefetch.imagingStudies'] },
    ]);
  });

  it('answers 412 when the server answers malformed JSON', async () => {
    fhir.injectFault({ resourceType: 'Condition', fault: { kind: 'malformed-json' } });
    const res = await withServer();
    expect(res.statusCode).toBe(412);
    expect(issues(res.json<Outcome>())).toEqual(["prefetch key 'conditions': could not be fetched: the FHIR server answered with malformed JSON"]);
  });

  it('answers 412 when a search answers a Bundle that is not a searchset', async () => {
    fhir.injectFault({ resourceType: 'MedicationRequest', fault: { kind: 'bundle-type', type: 'collection' } });
    const res = await withServer();
    expect(res.statusCode).toBe(412);
    expect(issues(res.json<Outcome>())).toEqual(["prefetch key 'medicationRequests': could not be fetched: the FHIR server did not answer a searchset Bundle"]);
  });

  it('answers 412 when the server refuses the token (401)', async () => {
    const res = await call({ fhirServer: fhir.baseUrl, fhirAuthorization: fhirAuthorization('wrong-token') });
    expect(res.statusCode).toBe(412);
    expect(issues(res.json<Outcome>())).toContain("prefetch key 'patient': could not be fetched: the FHIR server answered HTTP 401");
  });

  it('answers 412 when data is missing and there is no fhirServer, or no token', async () => {
    const partial = { ...fullPrefetch(patientResources(PATIENT_ID, 0)), conditions: undefined };
    let res = await call({ prefetch: partial });
    expect(res.statusCode).toBe(412);
    expect(issues(res.json<Outcome>())).toEqual(["prefetch key 'conditions': not prefetched, and the request has no fhirServer to fetch it from"]);
    res = await call({ prefetch: partial, fhirServer: fhir.baseUrl });
    expect(res.statusCode).toBe(412);
    expect(issues(res.json<Outcome>())).toEqual(["prefetch key 'conditions': not prefetched, and the request has no fhirAuthorization to fetch it with"]);
    expect(fhir.requests).toEqual([]);
  });

  it('answers 412 when the server cannot be reached', async () => {
    const res = await call({ fhirServer: 'http://127.0.0.1:1/fhir', fhirAuthorization: fhirAuthorization() });
    expect(res.statusCode).toBe(412);
    expect(issues(res.json<Outcome>())[0]).toBe("prefetch key 'patient': could not be fetched: the FHIR server could not be reached");
  });
});
