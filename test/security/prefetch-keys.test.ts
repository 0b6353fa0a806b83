/**
 * Prefetch keys beyond the service's discovery are refused with a 400 naming the key (issue 22
 * item 2), and cheaply: a prefetch with 200 000 extra `null` keys once blocked the event loop for
 * 2.2 s while the schema walked them. Its cost is now compared, in the same run, with what any
 * JSON service pays for such a body (parsing it) plus a normal hook call: no wall-clock target.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { parseJsonBody } from '../../src/http/json-body.js';
import { hookBody } from './app.js';

const HOOK = '/cds-services/onfh-patient-view';
let app: FastifyInstance;
beforeAll(async () => {
  // No load shedding: this test blocks the loop on purpose, and a busy CI machine would turn the next call into a 503.
  app = await buildApp(testConfig({ AUTH_MODE: 'none', MAX_EVENT_LOOP_DELAY_MS: '0' }));
  await app.ready();
});
afterAll(async () => {
  await app.close();
});

function withExtraKeys(count: number): string {
  const body = hookBody();
  const prefetch = body.prefetch as Record<string, unknown>;
  for (let i = 0; i < count; i++) prefetch[`extra${i}`] = null;
  return JSON.stringify(body);
}

const post = (payload: string) => app.inject({ method: 'POST', url: HOOK, payload, headers: { 'content-type': 'application/json' } });

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function timed(run: () => unknown): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

describe('prefetch keys the discovery does not list', () => {
  it('are refused with a 400 naming the key and the service\'s keys', async () => {
    const res = await post(withExtraKeys(1));
    expect(res.statusCode).toBe(400);
    const text = res.json<{ issue: { details: { text: string } }[] }>().issue[0]?.details.text;
    expect(text).toBe("prefetch.extra0: not a prefetch key of service 'onfh-patient-view' (its keys: patient, conditions, imagingObservations, examObservations, laboratoryObservations, vitalSignObservations, socialHistoryObservations, surveyObservations, radiologyReports, imagingDocuments, procedures, imagingOrders, imagingStudies, medicationRequests, medicationStatements)");
  });

  it('200 000 of them cost about a parse of the body, not a walk of every key', async () => {
    const normal = JSON.stringify(hookBody());
    const flood = withExtraKeys(200_000);
    for (let i = 0; i < 3; i++) expect((await post(normal)).statusCode).toBe(200); // warm
    const normalMs = median(await Promise.all([0, 1, 2, 3, 4].map(() => timed(() => post(normal)))));
    const parseMs: number[] = [];
    const floodMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      parseMs.push(await timed(() => parseJsonBody(flood, 64)));
      let status = 0;
      floodMs.push(await timed(async () => (status = (await post(flood)).statusCode)));
      expect(status).toBe(400);
    }
    const floor = median(parseMs) + normalMs;
    // Measured: 1.5 × floor; without the check 4.2 × (the schema walked every key).
    expect(median(floodMs)).toBeLessThan(3 * floor);
    expect(median(floodMs)).toBeLessThan(5000); // sanity bound only
  });
});
