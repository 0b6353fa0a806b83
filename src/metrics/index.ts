/**
 * Prometheus metrics (issue 6, item 6). STUB until the deployment work lands: records nothing
 * and serves no /metrics route.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';

export function registerMetrics(app: FastifyInstance, config: Config): Promise<void> {
  void app;
  void config;
  return Promise.resolve();
}

/** One FHIR query (all its pages) finished: how long it took and whether it failed. */
export function recordFhirFetch(resourceType: string, durationMs: number, outcome: 'ok' | 'error' | 'timeout'): void {
  void resourceType;
  void durationMs;
  void outcome;
}

/** Cards returned by one hook call, counted by service and indicator. */
export function recordCards(serviceId: string, cards: readonly { readonly indicator: string }[]): void {
  void serviceId;
  void cards;
}
