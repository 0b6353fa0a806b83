/**
 * GET /metrics (issue 6, item 6): what a Prometheus scrape of the service shows.
 * Against a small Fastify app with only the metrics plugin, and against buildApp once it exists.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.js';
import { recordCards, recordFhirFetch, registerMetrics, setRuleSetVersions } from '../../src/metrics/index.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function smallApp(): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  apps.push(app);
  await registerMetrics(app, testConfig());
  app.post('/cds-services/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!id.startsWith('onfh-')) return reply.code(404).send({ message: 'unknown service' });
    await new Promise((r) => setTimeout(r, 20));
    return { cards: [] };
  });
  app.get('/healthz', () => ({ status: 'ok' }));
  await app.ready();
  return app;
}

async function scrape(app: FastifyInstance): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.body;
}

/** The value of one series, e.g. value(text, 'onfh_http_requests_total', {route: '/healthz'}); 0 when absent. */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text
    .split('\n')
    .find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && want.every((w) => l.includes(w)));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('GET /metrics', () => {
  it('counts requests by route pattern, CDS service and status, never by raw URL', async () => {
    const app = await smallApp();
    await app.inject({ method: 'POST', url: '/cds-services/onfh-patient-view', payload: {} });
    await app.inject({ method: 'POST', url: '/cds-services/onfh-patient-view', payload: {} });
    await app.inject({ method: 'POST', url: '/cds-services/onfh-order-sign', payload: {} });
    await app.inject({ method: 'POST', url: '/cds-services/not-a-service-1234', payload: {} });
    await app.inject({ method: 'GET', url: '/no/such/page?patient=secret-42' });
    await app.inject({ method: 'GET', url: '/healthz' });

    const text = await scrape(app);
    const hook = { method: 'POST', route: '/cds-services/:id' };
    expect(value(text, 'onfh_http_requests_total', { ...hook, service: 'onfh-patient-view', status_code: '200' })).toBe(2);
    expect(value(text, 'onfh_http_requests_total', { ...hook, service: 'onfh-order-sign', status_code: '200' })).toBe(1);
    expect(value(text, 'onfh_http_requests_total', { ...hook, service: 'other', status_code: '404' })).toBe(1);
    expect(value(text, 'onfh_http_requests_total', { route: 'unmatched', status_code: '404' })).toBe(1);
    expect(value(text, 'onfh_http_requests_total', { route: '/healthz', service: '', status_code: '200' })).toBe(1);
    // the raw URL, its query and an unknown service id never become label values
    expect(text).not.toContain('not-a-service-1234');
    expect(text).not.toContain('secret-42');
    expect(text).not.toContain('/no/such/page');
  });

  it('has a latency histogram whose count matches the requests and whose sum reflects the time taken', async () => {
    const app = await smallApp();
    await app.inject({ method: 'POST', url: '/cds-services/onfh-patient-view', payload: {} });
    const text = await scrape(app);
    const labels = { route: '/cds-services/:id', service: 'onfh-patient-view', status_code: '200' };
    expect(value(text, 'onfh_http_request_duration_seconds_count', labels)).toBe(1);
    expect(value(text, 'onfh_http_request_duration_seconds_sum', labels)).toBeGreaterThanOrEqual(0.015);
    expect(value(text, 'onfh_http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(1);
    expect(value(text, 'onfh_http_request_duration_seconds_bucket', { ...labels, le: '0.005' })).toBe(0);
  });

  it('keeps the request counts of each app apart (tests build many apps)', async () => {
    const a = await smallApp();
    const b = await smallApp();
    await a.inject({ method: 'GET', url: '/healthz' });
    await a.inject({ method: 'GET', url: '/healthz' });
    await b.inject({ method: 'GET', url: '/healthz' });
    expect(value(await scrape(a), 'onfh_http_requests_total', { route: '/healthz' })).toBe(2);
    expect(value(await scrape(b), 'onfh_http_requests_total', { route: '/healthz' })).toBe(1);
  });

  it('counts cards by service and indicator', async () => {
    const app = await smallApp();
    const before = await scrape(app);
    recordCards('onfh-patient-view', [{ indicator: 'info' }, { indicator: 'info' }, { indicator: 'warning' }]);
    recordCards('onfh-order-sign', [{ indicator: 'critical' }]);
    recordCards('onfh-order-select', []);
    const after = await scrape(app);
    const delta = (labels: Record<string, string>) =>
      value(after, 'onfh_cds_cards_total', labels) - value(before, 'onfh_cds_cards_total', labels);
    expect(delta({ service: 'onfh-patient-view', indicator: 'info' })).toBe(2);
    expect(delta({ service: 'onfh-patient-view', indicator: 'warning' })).toBe(1);
    expect(delta({ service: 'onfh-order-sign', indicator: 'critical' })).toBe(1);
    expect(delta({ service: 'onfh-order-select', indicator: 'info' })).toBe(0);
  });

  it('records FHIR fetch latency by resource type, and counts failures and timeouts apart', async () => {
    const app = await smallApp();
    const before = await scrape(app);
    recordFhirFetch('Condition', 120, 'ok');
    recordFhirFetch('Observation', 2000, 'timeout');
    recordFhirFetch('ImagingStudy', 35, 'error');
    recordFhirFetch('Observation?patient=123', 10, 'error'); // not a type name: bounded to "other"
    const after = await scrape(app);
    const delta = (name: string, labels: Record<string, string>) => value(after, name, labels) - value(before, name, labels);

    expect(delta('onfh_fhir_fetch_duration_seconds_count', { resource_type: 'Condition', outcome: 'ok' })).toBe(1);
    expect(delta('onfh_fhir_fetch_duration_seconds_sum', { resource_type: 'Condition', outcome: 'ok' })).toBeCloseTo(0.12, 6);
    expect(delta('onfh_fhir_fetch_failures_total', { resource_type: 'Condition' })).toBe(0);
    expect(delta('onfh_fhir_fetch_failures_total', { resource_type: 'Observation', outcome: 'timeout' })).toBe(1);
    expect(delta('onfh_fhir_fetch_failures_total', { resource_type: 'ImagingStudy', outcome: 'error' })).toBe(1);
    expect(delta('onfh_fhir_fetch_failures_total', { resource_type: 'other', outcome: 'error' })).toBe(1);
    expect(after).not.toContain('patient=123');
  });

  it('shows the loaded rule set versions, replacing the previous set on reload', async () => {
    const app = await smallApp();
    setRuleSetVersions([
      { id: 'arco-2019', version: '2025.1.0' },
      { id: 'modalities', version: '2025.1.2' },
    ]);
    let text = await scrape(app);
    expect(value(text, 'onfh_rule_set_info', { rule_set: 'arco-2019', version: '2025.1.0' })).toBe(1);
    expect(value(text, 'onfh_rule_set_info', { rule_set: 'modalities', version: '2025.1.2' })).toBe(1);

    setRuleSetVersions([{ id: 'arco-2019', version: '2025.2.0' }]);
    text = await scrape(app);
    expect(value(text, 'onfh_rule_set_info', { rule_set: 'arco-2019', version: '2025.2.0' })).toBe(1);
    expect(text).not.toContain('version="2025.1.0"');
    expect(text).not.toContain('rule_set="modalities"');
  });

  it('includes the default Node process metrics', async () => {
    const text = await scrape(await smallApp());
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    expect(value(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(text).toContain('# TYPE nodejs_heap_size_used_bytes gauge');
  });
});

// buildApp (src/app.ts) is being written by the foundation engineer; run when it exists.
const appFile = fileURLToPath(new URL('../../src/app.ts', import.meta.url));
describe.skipIf(!existsSync(appFile))('GET /metrics on the real app (buildApp)', () => {
  it('serves the metrics and counts the discovery call by its route', async () => {
    const modulePath = '../../src/app.js';
    const { buildApp } = (await import(modulePath)) as {
      buildApp: (config: ReturnType<typeof testConfig>) => Promise<FastifyInstance>;
    };
    const app = await buildApp(testConfig({ AUTH_MODE: 'none' }));
    apps.push(app);
    await app.ready();
    const discovery = await app.inject({ method: 'GET', url: '/cds-services' });
    expect(discovery.statusCode).toBe(200);
    const text = await scrape(app);
    expect(value(text, 'onfh_http_requests_total', { method: 'GET', route: '/cds-services', status_code: '200' })).toBe(1);
    expect(text).toContain('# TYPE onfh_cds_cards_total counter');
    // buildApp loads the bundled rules and reports the active rule sets
    expect(text).toMatch(/^onfh_rule_set_info\{rule_set="arco-2019",version="\d{4}\.\d+\.\d+"\} 1$/m);
  });
});
