/**
 * The record as a US Core 6/7 server keeps it (issue 18; design.md sections 5 and 8): the project's
 * FHIR test server (@medplum/fhir-router) in strict mode refuses what US Core servers refuse
 * (Observation without category or code → 400, no ImagingStudy or MedicationStatement → 404),
 * seeded with Epic- and Oracle-style charts written from their public documentation
 * (fixtures/epic.ts, fixtures/oracle.ts). Only `patient` and `conditions` are required; what else
 * cannot be read becomes a `source-unavailable` data gap that the cards show.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type CdsDecisionInput } from '../../src/app.js';
import { ONFH_PREFETCH } from '../../src/cds-hooks/services.js';
import { testConfig } from '../../src/config.js';
import { startFhirServer, type FhirTestServer } from '../support/fhir-server.js';
import { ACCESS_TOKEN, fhirAuthorization, fullPrefetch, PATIENT_ID, patientResources, patientViewRequest, searchset } from '../support/hook-requests.js';
import { EPIC_MRI_NARRATIVE, EPIC_PATIENT_ID, epicChart } from './fixtures/epic.js';
import { ORACLE_PATIENT_ID, ORACLE_XR_TEXT, oracleChart } from './fixtures/oracle.js';

interface Outcome {
  issue: { code: string; details?: { text: string }; expression?: string[] }[];
}
interface CardsAnswer {
  cards: { summary: string; indicator: string; detail: string }[];
}

const KEYS = Object.keys(ONFH_PREFETCH);
const NOW = new Date('2026-11-21T10:00:00Z');

describe('a US Core server (strict test server, Epic- and Oracle-style charts)', () => {
  let fhir: FhirTestServer;
  let elsewhere: FhirTestServer;
  let app: FastifyInstance;
  let clinical: FastifyInstance;
  let last: CdsDecisionInput | undefined;

  beforeAll(async () => {
    fhir = await startFhirServer({ strict: true, requiredToken: ACCESS_TOKEN });
    elsewhere = await startFhirServer();
    await fhir.seed([...epicChart(), ...oracleChart(fhir.baseUrl), ...patientResources(PATIENT_ID, 3)]);
    // the in-process server answers the 15 searches of a call in a few hundred ms; the budget leaves room
    const config = testConfig({ FHIR_TIMEOUT_MS: '3000' });
    app = await buildApp(config, {
      decide: (input) => {
        last = input;
        return { cards: [], notes: [] };
      },
    });
    clinical = await buildApp(config, { now: () => NOW });
  });
  afterEach(() => {
    fhir.clearFaults();
    fhir.requests.length = 0;
    elsewhere.requests.length = 0;
    last = undefined;
  });
  afterAll(async () => {
    await app.close();
    await clinical.close();
    await fhir.close();
    await elsewhere.close();
  });

  const hook = (target: FastifyInstance, patientId: string, extra: Record<string, unknown> = {}) =>
    target.inject({
      method: 'POST',
      url: '/cds-services/onfh-patient-view',
      payload: patientViewRequest({ context: { userId: 'Practitioner/dr-1', patientId }, fhirServer: fhir.baseUrl, fhirAuthorization: fhirAuthorization(), ...extra }),
    });
  const ofType = (type: string) => (last?.record.resources ?? []).filter((r) => r.resourceType === type);
  const issues = (body: Outcome) => body.issue.map((i) => i.details?.text ?? '');
  const decoded = (data: string | undefined) => Buffer.from(data ?? '', 'base64').toString('utf8');
  const get = (path: string) => fetch(`${fhir.baseUrl}/${path}`, { headers: { authorization: `Bearer ${ACCESS_TOKEN}` } });

  it('the strict server refuses what US Core servers refuse, with an OperationOutcome', async () => {
    const bare = await get(`Observation?patient=${EPIC_PATIENT_ID}`);
    expect(bare.status).toBe(400);
    expect(await bare.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ diagnostics: 'Observation search: patient and category or code are required' }] });
    expect((await get(`Observation?patient=${EPIC_PATIENT_ID}&category=vital-signs`)).status).toBe(200);
    expect((await get(`MedicationRequest?patient=${EPIC_PATIENT_ID}`)).status).toBe(400);
    for (const type of ['ImagingStudy', 'MedicationStatement']) {
      const res = await get(`${type}?patient=${EPIC_PATIENT_ID}`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
    }
    // the templates the service used before issue 18 are refused: that is what made every call a 412
    expect((await get(`Observation?patient=${EPIC_PATIENT_ID}&status=final,amended,corrected,preliminary`)).status).toBe(400);
  });

  it('Epic-style chart: every search is one US Core answers, in one parallel round; the narrative Binary is read into the report', async () => {
    const res = await hook(app, EPIC_PATIENT_ID);
    expect(res.statusCode, res.body).toBe(200);
    const searches = fhir.requests.filter((r) => !r.url.startsWith('/fhir/Binary'));
    expect(searches).toHaveLength(KEYS.length);
    for (const r of searches.filter((s) => s.url.startsWith('/fhir/Observation'))) expect(r.url).toMatch(/[?&](category|code)=/);
    // every request asked for the answer uncompressed (its size is the size read)
    expect(fhir.requests.every((r) => r.acceptEncoding === 'identity')).toBe(true);
    expect(fhir.requests.map((r) => r.url)).toContain('/fhir/Binary/eRADnarr.2pM3');

    const [report] = ofType('DiagnosticReport') as fhir4.DiagnosticReport[];
    expect(decoded(report?.presentedForm?.[0]?.data)).toBe(EPIC_MRI_NARRATIVE);
    expect(report?.presentedForm?.[0]?.url).toBe('Binary/eRADnarr.2pM3');
    expect(ofType('Observation').map((o) => o.id).sort()).toEqual(['eBMI.Wq0ldBLl5xgaAC7mjd3', 'eSMOKE.rP2lVbmOIaFnpS0UQ3']);
    expect(ofType('MedicationRequest')).toHaveLength(1);
    // the two searches the server does not offer: named, not a 412
    expect(last?.record.unavailable).toEqual([
      { key: 'imagingStudies', resourceType: 'ImagingStudy', reason: 'the FHIR server refused the search: the FHIR server answered HTTP 404' },
      { key: 'medicationStatements', resourceType: 'MedicationStatement', reason: 'the FHIR server refused the search: the FHIR server answered HTTP 404' },
    ]);
  });

  it('Epic-style chart: the cards say which sources could not be read and that follow-up dates may be wrong', async () => {
    const res = await hook(clinical, EPIC_PATIENT_ID);
    expect(res.statusCode, res.body).toBe(200);
    const { cards } = res.json<CardsAnswer>();
    const all = cards.map((c) => c.detail).join('\n');
    expect(all).toContain('- Imaging studies unavailable (ImagingStudy could not be read from the EHR); follow-up dates may be wrong.');
    expect(all).toContain('- Medication statements unavailable (MedicationStatement could not be read from the EHR); corticosteroid exposure may be missed.');
    const imaging = cards.find((c) => c.indicator === 'warning' && c.summary.startsWith('Order '));
    expect(imaging?.detail).toContain('**Imaging record incomplete**: ImagingStudy could not be read from the EHR; follow-up dates may be wrong.');
  });

  it('Oracle-style chart: the text/plain Binary at an absolute url on the same base is read, the PDF is not', async () => {
    const res = await hook(app, ORACLE_PATIENT_ID);
    expect(res.statusCode, res.body).toBe(200);
    const binaries = fhir.requests.filter((r) => r.url.startsWith('/fhir/Binary')).map((r) => r.url);
    expect(binaries).toEqual(['/fhir/Binary/TR-197369077']);
    const [report] = ofType('DiagnosticReport') as fhir4.DiagnosticReport[];
    expect(report?.category?.[0]?.coding?.[0]).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD' });
    expect(decoded(report?.presentedForm?.[0]?.data)).toBe(ORACLE_XR_TEXT);
    expect(report?.presentedForm?.[1]?.data).toBeUndefined();
    expect(ofType('Procedure').map((p) => p.id)).toEqual(['4470235']);
    expect(ofType('ServiceRequest').map((s) => s.id)).toEqual(['310577439']);
  });

  it('a report Binary on another origin or outside the fhirServer base path is never asked for', async () => {
    const report = (id: string, url: string): Resource => ({
      resourceType: 'DiagnosticReport',
      id,
      status: 'final',
      code: { text: 'MRI hip' },
      subject: { reference: `Patient/${PATIENT_ID}` },
      presentedForm: [{ contentType: 'text/plain', url }],
    });
    const prefetch = {
      ...fullPrefetch(patientResources(PATIENT_ID, 0)),
      radiologyReports: searchset([report('r-other-origin', `${elsewhere.baseUrl}/Binary/b1`), report('r-other-path', `${fhir.origin}/other/fhir/Binary/b2`), report('r-query', 'Binary/b3?_format=json')]),
    };
    const res = await hook(app, PATIENT_ID, { prefetch });
    expect(res.statusCode, res.body).toBe(200);
    expect(elsewhere.requests).toEqual([]);
    expect(fhir.requests).toEqual([]);
    expect(ofType('DiagnosticReport').map((r) => (r as fhir4.DiagnosticReport).presentedForm?.[0]?.data)).toEqual([undefined, undefined, undefined]);
  });

  it('a refused optional search (403, 501, an OperationOutcome answered with 200) degrades: the call goes on and names the resource type', async () => {
    fhir.injectFault({ resourceType: 'DiagnosticReport', fault: { kind: 'status', status: 403 } });
    fhir.injectFault({ resourceType: 'Procedure', fault: { kind: 'status', status: 501 } });
    fhir.injectFault({ resourceType: 'ServiceRequest', fault: { kind: 'status', status: 200 } });
    const res = await hook(app, ORACLE_PATIENT_ID);
    expect(res.statusCode, res.body).toBe(200);
    expect(last?.record.unavailable?.map((u) => `${u.key} ${u.resourceType}: ${u.reason}`)).toEqual([
      'radiologyReports DiagnosticReport: the FHIR server refused the search: the FHIR server answered HTTP 403',
      'procedures Procedure: the FHIR server refused the search: the FHIR server answered HTTP 501',
      'imagingOrders ServiceRequest: the FHIR server refused the search: the FHIR server answered an OperationOutcome instead of results',
      'imagingStudies ImagingStudy: the FHIR server refused the search: the FHIR server answered HTTP 404',
      'medicationStatements MedicationStatement: the FHIR server refused the search: the FHIR server answered HTTP 404',
    ]);
    expect(ofType('Condition')).toHaveLength(1);
  });

  it('a refused required search, or an optional one failing otherwise (500), is still a 412 naming the key', async () => {
    fhir.injectFault({ resourceType: 'Condition', fault: { kind: 'status', status: 403 } });
    fhir.injectFault({ resourceType: 'DiagnosticReport', fault: { kind: 'status', status: 500 } });
    const res = await hook(app, ORACLE_PATIENT_ID);
    expect(res.statusCode).toBe(412);
    expect(issues(res.json<Outcome>())).toEqual([
      "prefetch key 'conditions': the FHIR server refused the search: the FHIR server answered HTTP 403",
      "prefetch key 'radiologyReports': could not be fetched: the FHIR server answered HTTP 500",
    ]);
  });

  it('without fhirServer: an optional key left out or holding an OperationOutcome degrades; a required one is a 412', async () => {
    const failed = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing', diagnostics: 'prefetch failed' }] };
    const prefetch: Record<string, unknown> = { ...fullPrefetch(patientResources(PATIENT_ID, 2)), radiologyReports: failed };
    delete prefetch.medicationRequests;
    const call = (p: Record<string, unknown>) => app.inject({ method: 'POST', url: '/cds-services/onfh-patient-view', payload: patientViewRequest({ prefetch: p }) });
    const res = await call(prefetch);
    expect(res.statusCode, res.body).toBe(200);
    expect(last?.record.unavailable).toEqual([
      { key: 'radiologyReports', resourceType: 'DiagnosticReport', reason: 'the client reported an error prefetching it, and the request has no fhirServer to fetch it from' },
      { key: 'medicationRequests', resourceType: 'MedicationRequest', reason: 'not prefetched, and the request has no fhirServer to fetch it from' },
    ]);
    const refused = await call({ ...prefetch, conditions: failed });
    expect(refused.statusCode).toBe(412);
    expect(issues(refused.json<Outcome>())).toEqual(["prefetch key 'conditions': the client reported an error prefetching it, and the request has no fhirServer to fetch it from"]);
  });

  it('a small gzip answer that would inflate past FHIR_MAX_RESPONSE_BYTES is not read: 412', async () => {
    const capped = await buildApp(testConfig({ FHIR_TIMEOUT_MS: '3000', FHIR_MAX_RESPONSE_BYTES: String(1024 * 1024) }));
    // about 60 KB on the wire, 60 MB inflated
    fhir.injectFault({ resourceType: 'DiagnosticReport', fault: { kind: 'gzip', inflatedBytes: 60 * 1024 * 1024 } });
    try {
      const res = await hook(capped, EPIC_PATIENT_ID);
      expect(res.statusCode).toBe(412);
      expect(issues(res.json<Outcome>())).toEqual([
        "prefetch key 'radiologyReports': could not be fetched: the FHIR server answered compressed content although identity was asked for; it is not read",
      ]);
      expect(fhir.requests.find((r) => r.url.startsWith('/fhir/DiagnosticReport'))?.acceptEncoding).toBe('identity');
    } finally {
      await capped.close();
    }
  });

  it('a next link on the same origin but outside the fhirServer base path is not followed: 412', async () => {
    fhir.injectFault({ resourceType: 'Condition', fault: { kind: 'next-link', url: `${fhir.origin}/other-tenant/fhir/Condition?page=2` } });
    const res = await hook(app, EPIC_PATIENT_ID);
    expect(res.statusCode).toBe(412);
    expect(issues(res.json<Outcome>())).toEqual(["prefetch key 'conditions': could not be fetched: a next link leaves the fhirServer base URL; it is not followed"]);
    expect(fhir.requests.some((r) => r.url.startsWith('/other-tenant'))).toBe(false);
  });

  it('the answers of one call together may hold at most FHIR_MAX_RESPONSE_BYTES (what one call parses): beyond, a 412', async () => {
    const patientId = 'many-vitals';
    const subject = { reference: `Patient/${patientId}` };
    const observation = (category: string, i: number): Resource => ({
      resourceType: 'Observation',
      id: `${patientId}-${category}-${String(i)}`,
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: category }] }],
      code: { coding: [{ system: 'http://loinc.org', code: category === 'laboratory' ? '718-7' : '8867-4' }] },
      subject,
      effectiveDateTime: '2026-01-01',
      valueQuantity: { value: i, unit: '/min' },
    });
    // each search answers about 55 KB, under the 64 KB cap; the two together are over it
    await fhir.seed([{ resourceType: 'Patient', id: patientId }, ...Array.from({ length: 110 }, (_, i) => observation('vital-signs', i)), ...Array.from({ length: 110 }, (_, i) => observation('laboratory', i))]);
    const capped = await buildApp(testConfig({ FHIR_TIMEOUT_MS: '3000', FHIR_MAX_RESPONSE_BYTES: String(64 * 1024) }));
    try {
      const one = await get(`Observation?patient=${patientId}&category=vital-signs&_count=1000`);
      const size = (await one.arrayBuffer()).byteLength;
      expect(size).toBeGreaterThan(32 * 1024);
      expect(size).toBeLessThan(64 * 1024);
      const res = await hook(capped, patientId);
      expect(res.statusCode).toBe(412);
      expect(issues(res.json<Outcome>())).toContain("prefetch key 'vitalSignObservations': could not be fetched: the FHIR answers of this call hold more than FHIR_MAX_RESPONSE_BYTES together");
    } finally {
      await capped.close();
    }
  });

  it('MAX_RESOURCES counts what is fetched too: a call that would hold more is a 412', async () => {
    const small = await buildApp(testConfig({ FHIR_TIMEOUT_MS: '3000', MAX_RESOURCES: '5' }));
    try {
      // the patient, one condition and three imaging observations prefetched (5), the rest fetched: more than 5
      const prefetch = { patient: patientResources(PATIENT_ID, 0)[0], conditions: searchset(patientResources(PATIENT_ID, 0).filter((r) => r.resourceType === 'Condition')) };
      const res = await small.inject({
        method: 'POST',
        url: '/cds-services/onfh-patient-view',
        payload: patientViewRequest({ prefetch, fhirServer: fhir.baseUrl, fhirAuthorization: fhirAuthorization() }),
      });
      expect(res.statusCode).toBe(412);
      expect(issues(res.json<Outcome>()).some((t) => t.endsWith('could not be fetched: more than 5 resources (MAX_RESOURCES) in this call'))).toBe(true);
    } finally {
      await small.close();
    }
  });
});
