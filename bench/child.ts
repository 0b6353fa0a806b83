/**
 * One server of the benchmark in its own process, so that the load generator (autocannon, in
 * the parent) does not take the event loop of the server it measures: on a 2-core machine the
 * server under test gets a core of its own, as it would in production.
 *
 *     node --import tsx bench/child.ts service|floor|fhir '<json options>'
 *
 * Talks to its parent over IPC: sends `{ type: 'ready', url }` once listening; answers
 * `{ type: 'rss' }` with `{ type: 'rss', rss, heapUsed }` (after a full GC when it was started with
 * --expose-gc and the message says `gc: true`); the fhir role answers `{ type: 'fhir-stats' }` with
 * its answer counts and lag (bench/fhir.ts); on `{ type: 'stop' }` closes and exits.
 */
import type { FastifyInstance } from 'fastify';
import { buildFloor } from './floor.js';
import { generateOnfhPatient } from './generate.js';
import { startFhirServer, type BenchFhirStats } from './fhir.js';
import { startService } from './service.js';

export type ChildRole = 'service' | 'floor' | 'fhir';

export interface ChildOptions {
  /** fhir: fixed delay of every answer, ms (from the request's arrival). */
  readonly delayMs?: number;
  /** fhir: page size of searches without _count. */
  readonly pageSize?: number;
  /** fhir: largest _count honoured (the FHIR test server's default 1000 when absent). */
  readonly maxPageSize?: number;
  /** fhir: relative query URLs recorded at startup, with their next pages (bench/fhir-queries.ts). */
  readonly warm?: readonly string[];
  /** fhir: size of the chart it serves (same generator and seed as the parent's). */
  readonly resourceCount?: number;
  /** service: environment overrides of the config. */
  readonly env?: Readonly<Record<string, string>>;
  readonly bodyLimit?: number;
  /** floor: what it answers (default `{ "cards": [] }`). */
  readonly answer?: unknown;
  /** floor: FHIR queries (relative to the request's fhirServer) fetched in one round before answering: the floor of (c). */
  readonly fhirQueries?: readonly string[];
}

export type ChildMessage =
  | { readonly type: 'ready'; readonly url: string }
  | { readonly type: 'rss'; readonly rss: number; readonly heapUsed: number }
  | { readonly type: 'fhir-stats'; readonly stats: BenchFhirStats }
  | { readonly type: 'error'; readonly message: string };

function tell(message: ChildMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const role = process.argv[2] as ChildRole | undefined;
  const options = JSON.parse(process.argv[3] ?? '{}') as ChildOptions;
  let close: () => Promise<void>;
  let url: string;
  let fhirStats: (() => BenchFhirStats) | undefined;

  if (role === 'floor' || role === 'service') {
    const app: FastifyInstance =
      role === 'floor' ? buildFloor(options.bodyLimit ?? 5 * 1024 * 1024, options.answer, options.fhirQueries) : await startService(options.env ?? {});
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    close = () => app.close();
  } else if (role === 'fhir') {
    const { resources } = generateOnfhPatient({ resourceCount: options.resourceCount ?? 300 });
    const server = await startFhirServer(resources, {
      delayMs: options.delayMs ?? 0,
      pageSize: options.pageSize ?? 20,
      ...(options.maxPageSize !== undefined ? { maxPageSize: options.maxPageSize } : {}),
      ...(options.warm !== undefined ? { warm: options.warm } : {}),
    });
    url = server.baseUrl;
    close = () => server.close();
    fhirStats = () => server.stats();
  } else {
    throw new Error(`unknown role ${String(role)}`);
  }

  process.on('message', (message: { type?: string; gc?: boolean }) => {
    if (message.type === 'rss') {
      if (message.gc === true) globalThis.gc?.();
      const usage = process.memoryUsage();
      tell({ type: 'rss', rss: usage.rss, heapUsed: usage.heapUsed });
    } else if (message.type === 'fhir-stats' && fhirStats !== undefined) {
      tell({ type: 'fhir-stats', stats: fhirStats() });
    } else if (message.type === 'stop') {
      void close().finally(() => process.exit(0));
    }
  });
  process.on('disconnect', () => { void close().finally(() => process.exit(0)); });
  tell({ type: 'ready', url });
}

main().catch((error: unknown) => {
  tell({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
