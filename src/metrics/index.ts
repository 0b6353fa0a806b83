/**
 * Prometheus metrics (issue 6, item 6): `GET /metrics` in the Prometheus text format.
 *
 * Two registries, because of who can see an app:
 * - per app (made in registerMetrics): HTTP requests and their latency, recorded in an
 *   onResponse hook of that app. Tests build many apps; each counts only its own requests.
 * - per process (made once, on first use): what the callers report through functions that take
 *   no app (recordFhirFetch, recordCards, setRuleSetVersions) and Node's default process
 *   metrics (whose event-loop and GC observers must exist once per process, not once per app).
 * `/metrics` serves both, merged. In production there is one app per process, so the split is
 * invisible there.
 *
 * Labels are bounded on purpose (a label value per raw URL or per patient would grow without
 * end): the route is the pattern (`/cds-services/:id`), the service is one of the ids of
 * design.md section 1 or `other`, the FHIR resource type is a bare type name or `other`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from '../config.js';

/** The CDS service ids of the fixed contract (design.md section 1). */
export const CDS_SERVICE_IDS: readonly string[] = ['onfh-patient-view', 'onfh-order-select', 'onfh-order-sign'];

/** Seconds; a hook call that fetches from FHIR takes up to FHIR_TIMEOUT_MS (2 s by default). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

// ── per process ──────────────────────────────────────────────────────────────────────────

interface ProcessMetrics {
  readonly registry: Registry;
  readonly fhirFetchDuration: Histogram<'resource_type' | 'outcome'>;
  readonly fhirFetchFailures: Counter<'resource_type' | 'outcome'>;
  readonly cards: Counter<'service' | 'indicator'>;
  readonly ruleSets: Gauge<'rule_set' | 'version'>;
  readonly storeDropped: Counter<'reason'>;
  readonly storeUp: Gauge;
}

let processMetrics: ProcessMetrics | undefined;

function getProcessMetrics(): ProcessMetrics {
  if (processMetrics) return processMetrics;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  processMetrics = {
    registry,
    fhirFetchDuration: new Histogram({
      name: 'onfh_fhir_fetch_duration_seconds',
      help: 'Time taken by one FHIR query (all its pages) made to resolve missing prefetch, by resource type and outcome.',
      labelNames: ['resource_type', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    fhirFetchFailures: new Counter({
      name: 'onfh_fhir_fetch_failures_total',
      help: 'FHIR queries that failed (error) or ran out of the time budget (timeout), by resource type.',
      labelNames: ['resource_type', 'outcome'],
      registers: [registry],
    }),
    cards: new Counter({
      name: 'onfh_cds_cards_total',
      help: 'Cards returned by hook calls, by CDS service and card indicator.',
      labelNames: ['service', 'indicator'],
      registers: [registry],
    }),
    ruleSets: new Gauge({
      name: 'onfh_rule_set_info',
      help: 'The loaded rule sets: one series per rule set id and version, value 1.',
      labelNames: ['rule_set', 'version'],
      registers: [registry],
    }),
    storeDropped: new Counter({
      name: 'onfh_store_dropped_records_total',
      help: 'Decision records not written to the store, by reason (queue-full: store down or slow too long; rejected; shutdown; closed).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    storeUp: new Gauge({
      name: 'onfh_store_up',
      help: '1 while the decision store answers, else 0.',
      registers: [registry],
    }),
  };
  return processMetrics;
}

function serviceLabel(id: unknown): string {
  return typeof id === 'string' && CDS_SERVICE_IDS.includes(id) ? id : 'other';
}

function resourceTypeLabel(resourceType: string): string {
  return /^[A-Z][A-Za-z]{0,63}$/.test(resourceType) ? resourceType : 'other';
}

function indicatorLabel(indicator: string): string {
  return indicator === 'info' || indicator === 'warning' || indicator === 'critical' ? indicator : 'other';
}

/** One FHIR query (all its pages) finished: how long it took and whether it failed. */
export function recordFhirFetch(resourceType: string, durationMs: number, outcome: 'ok' | 'error' | 'timeout'): void {
  const m = getProcessMetrics();
  const labels = { resource_type: resourceTypeLabel(resourceType), outcome };
  m.fhirFetchDuration.observe(labels, Math.max(0, durationMs) / 1000);
  if (outcome !== 'ok') m.fhirFetchFailures.inc(labels);
}

/** Cards returned by one hook call, counted by service and indicator. */
export function recordCards(serviceId: string, cards: readonly { readonly indicator: string }[]): void {
  const m = getProcessMetrics();
  const service = serviceLabel(serviceId);
  for (const card of cards) m.cards.inc({ service, indicator: indicatorLabel(card.indicator) });
}

/**
 * The rule sets now loaded (called by the rules loader after every successful load). Replaces
 * what was there, so a reload with other versions leaves no stale series.
 */
export function setRuleSetVersions(sets: readonly { readonly id: string; readonly version: string }[]): void {
  const m = getProcessMetrics();
  m.ruleSets.reset();
  for (const set of sets) m.ruleSets.set({ rule_set: set.id, version: set.version }, 1);
}

const STORE_DROP_REASONS = ['queue-full', 'rejected', 'shutdown', 'closed'];

/** Decision records dropped by the store (src/store), by a bounded reason. */
export function recordStoreDrop(reason: string, records: number): void {
  getProcessMetrics().storeDropped.inc({ reason: STORE_DROP_REASONS.includes(reason) ? reason : 'other' }, records);
}

/** The store answers (1) or not (0); the first call also shows every drop reason at 0, so a dashboard has a series before the first drop. */
export function setStoreUp(up: boolean): void {
  const m = getProcessMetrics();
  m.storeUp.set(up ? 1 : 0);
  for (const reason of STORE_DROP_REASONS) m.storeDropped.inc({ reason }, 0);
}

// ── per app ──────────────────────────────────────────────────────────────────────────────

function routeLabel(request: FastifyRequest): string {
  // routeOptions.url is the pattern ("/cds-services/:id"); undefined when no route matched (404).
  return request.routeOptions.url ?? 'unmatched';
}

function requestServiceLabel(request: FastifyRequest): string {
  const params = request.params as Record<string, unknown> | undefined;
  return params && 'id' in params && routeLabel(request).startsWith('/cds-services/') ? serviceLabel(params.id) : '';
}

/**
 * GET /metrics, and request counting for every route of `app`. buildApp calls it once, on the
 * root instance, so the hook sees every route.
 */
// The signature is fixed (buildApp calls it); nothing is configurable yet: /metrics is always on.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function registerMetrics(app: FastifyInstance, config: Config): Promise<void> {
  const appRegistry = new Registry();
  const requests = new Counter({
    name: 'onfh_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern, CDS service and status code.',
    labelNames: ['method', 'route', 'service', 'status_code'],
    registers: [appRegistry],
  });
  const duration = new Histogram({
    name: 'onfh_http_request_duration_seconds',
    help: 'Time from request received to response sent, by method, route pattern, CDS service and status code.',
    labelNames: ['method', 'route', 'service', 'status_code'],
    buckets: LATENCY_BUCKETS,
    registers: [appRegistry],
  });
  const processRegistry = getProcessMetrics().registry;

  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const labels = {
      method: request.method,
      route: routeLabel(request),
      service: requestServiceLabel(request),
      status_code: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
    done();
  });

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics (text exposition format)',
        response: { 200: { type: 'string' } },
      },
    },
    async (_request, reply) => {
      const merged = Registry.merge([processRegistry, appRegistry]);
      const body = await merged.metrics();
      return reply.type(merged.contentType).send(body);
    },
  );
  return Promise.resolve();
}
