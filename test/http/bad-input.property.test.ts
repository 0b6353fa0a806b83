/** "Never a 5xx for bad input": random bodies and random values at every place of a valid request. */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { fullPrefetch, orderSelectRequest, patientResources } from '../support/hook-requests.js';

/** Places in an order-select request where a client could send something wrong. */
const PLACES: readonly (readonly string[])[] = [
  [],
  ['hook'],
  ['hookInstance'],
  ['fhirServer'],
  ['fhirAuthorization'],
  ['context'],
  ['context', 'patientId'],
  ['context', 'selections'],
  ['context', 'draftOrders'],
  ['context', 'draftOrders', 'entry'],
  ['context', 'draftOrders', 'entry', '0'],
  ['context', 'draftOrders', 'entry', '0', 'resource'],
  ['prefetch'],
  ['prefetch', 'patient'],
  ['prefetch', 'conditions'],
  ['prefetch', 'conditions', 'entry'],
  ['prefetch', 'conditions', 'entry', '0'],
  ['prefetch', 'conditions', 'entry', '0', 'resource'],
  ['prefetch', 'conditions', 'entry', '0', 'resource', 'subject'],
  ['prefetch', 'conditions', 'link'],
  ['prefetch', 'observations', 'entry', '0', 'resource', 'id'],
];

function replaceAt(target: unknown, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  if (typeof target !== 'object' || target === null) return target;
  if (Array.isArray(target)) {
    const items = (target as unknown[]).slice();
    items[Number(head)] = replaceAt(items[Number(head)], rest, value);
    return items;
  }
  const copy: Record<string, unknown> = { ...(target as Record<string, unknown>) };
  copy[head] = replaceAt(copy[head], rest, value);
  return copy;
}

describe('bad input never makes a 5xx', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildApp(testConfig());
  });
  afterAll(() => app.close());
  const valid = orderSelectRequest({ prefetch: fullPrefetch(patientResources()) });

  it('answers a random value at any place of a valid request with 200, 400 or 412', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PLACES), fc.jsonValue({ maxDepth: 3 }), async (place, value) => {
        const res = await app.inject({ method: 'POST', url: '/cds-services/onfh-order-select', payload: JSON.stringify(replaceAt(valid, place, value)), headers: { 'content-type': 'application/json' } });
        expect([200, 400, 412]).toContain(res.statusCode);
        if (res.statusCode !== 200) expect(res.json<{ resourceType: string }>().resourceType).toBe('OperationOutcome');
      }),
      { numRuns: 300 },
    );
  });

  it('answers random JSON bodies and random text with a 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.json(), fc.string()), async (payload) => {
        for (const url of ['/cds-services/onfh-patient-view', '/cds-services/onfh-order-sign/feedback']) {
          const res = await app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });
          expect(res.statusCode).toBeGreaterThanOrEqual(400);
          expect(res.statusCode).toBeLessThan(500);
        }
      }),
      { numRuns: 200 },
    );
  });
});
