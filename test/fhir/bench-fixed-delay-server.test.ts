/**
 * The benchmark's fixed-delay FHIR server (bench/fhir.ts): it serves what the FHIR test server
 * answers (only its origin in the links replaced), each answer a fixed delay after its request
 * arrived, and paging keeps working through it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFhirServer as startFixedDelayServer, type BenchFhirServer } from '../../bench/fhir.js';
import { buildFloor } from '../../bench/floor.js';
import { startFhirServer, type FhirTestServer } from '../support/fhir-server.js';
import { PATIENT_ID, patientResources } from '../support/hook-requests.js';

const DELAY_MS = 100;

interface Bundle {
  readonly type: string;
  readonly entry?: { readonly resource: { readonly id: string } }[];
  readonly link?: { readonly relation: string; readonly url: string }[];
}

describe('bench fixed-delay FHIR server (bench/fhir.ts)', () => {
  let front: BenchFhirServer;
  let reference: FhirTestServer;
  const resources = patientResources(PATIENT_ID, 10);
  beforeAll(async () => {
    front = await startFixedDelayServer(resources, { delayMs: DELAY_MS, pageSize: 4, warm: [`Observation?patient=${PATIENT_ID}`] });
    // The same server, same seed, same page size, asked directly: what the front must serve.
    reference = await startFhirServer({ pageSize: 4 });
    await reference.seed(resources);
  });
  afterAll(async () => {
    await front.close();
    await reference.close();
  });

  const timed = async (url: string): Promise<{ ms: number; status: number; type: string | null; text: string }> => {
    const started = performance.now();
    const response = await fetch(url);
    const text = await response.text();
    return { ms: performance.now() - started, status: response.status, type: response.headers.get('content-type'), text };
  };

  it('pre-warms the query and its pages, and answers them without asking upstream again', async () => {
    const before = front.stats();
    expect(before.recorded).toBe(3); // 10 Observations by 4: three pages
    const pages: Bundle[] = [];
    let url: string | undefined = `${front.baseUrl}/Observation?patient=${PATIENT_ID}`;
    while (url !== undefined) {
      expect(new URL(url).origin).toBe(new URL(front.baseUrl).origin);
      const answer = await timed(url);
      expect(answer.status).toBe(200);
      const bundle = JSON.parse(answer.text) as Bundle;
      pages.push(bundle);
      url = bundle.link?.find((l) => l.relation === 'next')?.url;
    }
    expect(pages).toHaveLength(3);
    expect(new Set(pages.flatMap((p) => (p.entry ?? []).map((e) => e.resource.id))).size).toBe(10);
    expect(front.stats().recorded).toBe(3);
  });

  it("serves the FHIR test server's bytes, its origin replaced by its own", async () => {
    for (const path of [`Observation?patient=${PATIENT_ID}&_count=3&_offset=3`, `Condition?patient=${PATIENT_ID}`, `Patient/${PATIENT_ID}`, 'Patient/nobody']) {
      const direct = await timed(`${reference.baseUrl}/${path}`);
      const served = await timed(`${front.baseUrl}/${path}`);
      expect(served.status).toBe(direct.status);
      expect(served.type).toBe(direct.type);
      const withoutOrigin = (text: string, origin: string): string => text.replaceAll(origin, '<origin>');
      // meta.versionId / lastUpdated differ between the two seeded repositories: compare without them.
      const normalise = (text: string, origin: string): unknown => JSON.parse(withoutOrigin(text, origin), (key, value: unknown) => (key === 'meta' ? undefined : value));
      expect(normalise(served.text, new URL(front.baseUrl).origin)).toEqual(normalise(direct.text, reference.origin));
      expect(served.text).not.toContain(reference.origin);
    }
  });

  it('answers every request a fixed delay after it arrived, first or recorded, in parallel', async () => {
    const url = `${front.baseUrl}/MedicationRequest?patient=${PATIENT_ID}&_count=50`;
    const first = await timed(url);
    const again = await timed(url);
    for (const answer of [first, again]) {
      expect(answer.ms).toBeGreaterThanOrEqual(DELAY_MS - 1);
      expect(answer.ms).toBeLessThan(DELAY_MS + 400); // generous: a check against a hang, not a timing target
    }
    expect(again.text).toBe(first.text);
    const started = performance.now();
    await Promise.all(Array.from({ length: 6 }, () => timed(url)));
    // in parallel: six one after the other would take at least 6 × DELAY_MS
    expect(performance.now() - started).toBeLessThan(3 * DELAY_MS);
    const stats = front.stats();
    expect(stats.lagMs.p50).toBeGreaterThanOrEqual(0);
    expect(stats.answers).toBeGreaterThan(0);
  });

  it("the floor of scenario (c) (bench/floor.ts) fetches every query in one round before it answers", async () => {
    const queries = [`Patient/${PATIENT_ID}`, `Condition?patient=${PATIENT_ID}`, `Observation?patient=${PATIENT_ID}&_count=50`];
    const floor = buildFloor(1024 * 1024, { cards: [] }, queries);
    try {
      const before = front.stats().answers;
      const started = performance.now();
      const answer = await floor.inject({ method: 'POST', url: '/cds-services/any', payload: { hook: 'patient-view', fhirServer: front.baseUrl } });
      const ms = performance.now() - started;
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toEqual({ cards: [] });
      expect(front.stats().answers - before).toBe(queries.length);
      // one parallel round: at least the delay, well under two
      expect(ms).toBeGreaterThanOrEqual(DELAY_MS - 1);
      expect(ms).toBeLessThan(2 * DELAY_MS);
      // without a fhirServer (full prefetch) it is the plain floor
      const plain = await floor.inject({ method: 'POST', url: '/cds-services/any', payload: { hook: 'patient-view' } });
      expect(plain.json()).toEqual({ cards: [] });
    } finally {
      await floor.close();
    }
  });
});
