/**
 * The FHIR server of scenario (c): a server that answers after a FIXED delay, so that (c)
 * measures the service, not the FHIR server.
 *
 * The answers come from the project's real FHIR test server (test/support/fhir-server.ts,
 * @medplum/fhir-router's memory repository, holding the benchmark patient), which stays the
 * source of truth. In front of it sits a recording layer (its own node:http server, the URL the
 * service is given):
 *
 * - the first time a GET for a path + query is seen, it is passed to the FHIR test server, and
 *   the status, content-type and body bytes of its answer are kept; later GETs for the same path
 *   + query are answered from what was kept (concurrent first requests share one upstream call);
 * - EVERY answer, first or kept, is sent exactly `delayMs` after its request arrived: the clock
 *   starts when the request arrives, so the FHIR test server's own work (15–20 ms of CPU for the
 *   Observation search, one request at a time) falls inside the delay instead of adding to it.
 *   Only an upstream answer slower than the delay is late; it is counted (`stats().late`), and
 *   the pre-warming below keeps the measured runs free of such first-time answers;
 * - the bytes are the FHIR test server's, unchanged, with one exception a reverse proxy also
 *   makes: the test server writes its own origin (http://127.0.0.1:<its port>) into the
 *   Bundle's `self` and `next` links (it has no other absolute URLs), and that origin is replaced
 *   by the recording layer's, so that paging goes through the same fixed delay and the service's
 *   same-origin rule for `next` links holds. No answer is made up here: an upstream failure is
 *   a 502 (not kept), a method other than GET a 405 (nothing in the benchmark sends one).
 *
 * `warm`: relative URLs (e.g. `Observation?patient=bench-onfh-1&_count=1000`, as the service
 * builds them from its discovery templates: bench/fhir-queries.ts) fetched at startup, with every
 * `next` page, so that the first measured request is already a recorded one.
 */
import { createServer, request as httpRequest, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Resource } from '@medplum/fhirtypes';
import { startFhirServer as startFhirTestServer } from '../test/support/fhir-server.js';

export interface BenchFhirOptions {
  /** Every answer is sent this long after its request arrived. */
  readonly delayMs: number;
  /** The FHIR test server's page size for searches without `_count`. */
  readonly pageSize: number;
  /** The largest `_count` the FHIR test server honours (default 1000, its own default). */
  readonly maxPageSize?: number;
  /** Relative URLs to record at startup (their `next` pages too). */
  readonly warm?: readonly string[];
}

export interface BenchFhirStats {
  /** Answers sent. */
  readonly answers: number;
  /** TCP connections accepted (a client that keeps its connections alive opens few). */
  readonly connections: number;
  /** Distinct path + query recorded from the FHIR test server. */
  readonly recorded: number;
  /** Answers sent later than `delayMs` because the FHIR test server had not answered yet. */
  readonly late: number;
  /** How much later than `delayMs` the answers went out (send time − arrival − delay), ms. */
  readonly lagMs: { readonly p50: number; readonly max: number };
}

export interface BenchFhirServer {
  readonly baseUrl: string;
  stats(): BenchFhirStats;
  close(): Promise<void>;
}

interface Recorded {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

const BASE_PATH = '/fhir';
const MAX_WARM_PAGES = 200;
/** Lags kept for the stats (a benchmark run sends a few thousand answers). */
const MAX_LAGS = 1_000_000;

export async function startFhirServer(resources: readonly Resource[], options: BenchFhirOptions): Promise<BenchFhirServer> {
  const upstream = await startFhirTestServer({ pageSize: options.pageSize, ...(options.maxPageSize !== undefined ? { maxPageSize: options.maxPageSize } : {}) });
  await upstream.seed(resources);
  const upstreamUrl = new URL(upstream.origin);
  const upstreamAgent = new Agent({ keepAlive: true });
  const recorded = new Map<string, Promise<Recorded>>();
  const lags: number[] = [];
  let answers = 0;
  let late = 0;
  let connections = 0;
  let origin = '';

  /** The FHIR test server's answer to GET `pathAndQuery`, its origin in the links replaced by ours. */
  function askUpstream(pathAndQuery: string): Promise<Recorded> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: upstreamUrl.hostname, port: upstreamUrl.port, path: pathAndQuery, method: 'GET', agent: upstreamAgent, headers: { accept: 'application/fhir+json' } },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const raw = Buffer.concat(chunks);
            // Valid UTF-8 JSON round-trips through a string unchanged; only the origin is replaced.
            const text = raw.toString('utf8');
            const body = text.includes(upstream.origin) ? Buffer.from(text.replaceAll(upstream.origin, origin), 'utf8') : raw;
            resolve({ status: res.statusCode ?? 502, contentType: res.headers['content-type'] ?? 'application/fhir+json', body });
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  function record(pathAndQuery: string): Promise<Recorded> {
    let answer = recorded.get(pathAndQuery);
    if (answer === undefined) {
      answer = askUpstream(pathAndQuery);
      recorded.set(pathAndQuery, answer);
      // A failure is not kept: the next request asks again.
      answer.catch(() => recorded.delete(pathAndQuery));
    }
    return answer;
  }

  /** Sends at arrival + delayMs: a timer for the whole milliseconds, then setImmediate for the rest. */
  function sendAt(arrived: number, res: ServerResponse, answer: Recorded): void {
    const due = arrived + options.delayMs;
    const send = (): void => {
      const now = performance.now();
      if (now < due) {
        if (due - now >= 1) setTimeout(send, Math.floor(due - now));
        else setImmediate(send);
        return;
      }
      if (lags.length < MAX_LAGS) lags.push(now - due);
      answers++;
      res.writeHead(answer.status, { 'content-type': answer.contentType, 'content-length': answer.body.length });
      res.end(answer.body);
    };
    if (performance.now() >= due) late++;
    send();
  }

  const front = createServer((req, res) => {
    const arrived = performance.now();
    const url = new URL(req.url ?? '/', origin);
    const key = `${url.pathname}${url.search}`;
    if (req.method !== 'GET') {
      sendAt(arrived, res, { status: 405, contentType: 'application/fhir+json', body: Buffer.from(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-supported', diagnostics: 'GET only' }] })) });
      return;
    }
    record(key).then(
      (answer) => { sendAt(arrived, res, answer); },
      (error: unknown) => {
        sendAt(arrived, res, { status: 502, contentType: 'application/fhir+json', body: Buffer.from(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient', diagnostics: `upstream: ${String(error)}` }] })) });
      },
    );
  });
  front.on('connection', () => { connections++; });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${String((front.address() as AddressInfo).port)}`;
  const baseUrl = `${origin}${BASE_PATH}`;

  // Pre-warm: each query and every page after it, as the service will ask for them.
  for (const relative of options.warm ?? []) {
    let next: string | undefined = new URL(`${baseUrl}/${relative}`).href;
    for (let pages = 0; next !== undefined && pages < MAX_WARM_PAGES; pages++) {
      const url: URL = new URL(next);
      if (url.origin !== origin) break;
      const answer = await record(`${url.pathname}${url.search}`);
      next = nextLink(answer);
    }
  }

  return {
    baseUrl,
    stats() {
      const sorted = [...lags].sort((a, b) => a - b);
      const round = (x: number): number => Math.round(x * 1000) / 1000;
      return {
        answers,
        connections,
        recorded: recorded.size,
        late,
        lagMs: { p50: round(sorted[Math.floor(sorted.length / 2)] ?? 0), max: round(sorted[sorted.length - 1] ?? 0) },
      };
    },
    async close() {
      front.closeAllConnections();
      await new Promise<void>((resolve) => { front.close(() => { resolve(); }); });
      upstreamAgent.destroy();
      await upstream.close();
    },
  };
}

function nextLink(answer: Recorded): string | undefined {
  if (answer.status !== 200) return undefined;
  try {
    const parsed = JSON.parse(answer.body.toString('utf8')) as { link?: { relation?: string; url?: string }[] };
    return parsed.link?.find((l) => l.relation === 'next')?.url;
  } catch {
    return undefined;
  }
}
