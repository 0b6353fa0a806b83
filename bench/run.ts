/**
 * The benchmark: the service against a bare Fastify "floor" (bench/floor.ts), in one run on one
 * machine, so every figure that matters is a ratio measured under the same noise.
 *
 *     npx tsx bench/run.ts            (≈ 2 minutes; writes bench/results.json)
 *     BENCH_SECONDS=5 npx tsx bench/run.ts      shorter runs
 *     BENCH_PROFILE=1 npx tsx bench/run.ts      the service writes a V8 CPU profile to bench/profiles/
 *     BENCH_CALIBRATE=1 npx tsx bench/run.ts    floor against floor: the noise of the method
 *
 * Scenarios (docs/performance.md):
 *   (a) patient-view, full prefetch, a realistic ~300-resource chart (bench/generate.ts):
 *       max throughput, then latency at a fixed 35 % of the floor's max rate;
 *   (b) order-sign with three draft orders and full prefetch: max throughput;
 *   (c) patient-view without prefetch: every key fetched from a local FHIR server that answers
 *       after a fixed delay; latency at a moderate fixed rate.
 * Servers run in child processes (bench/child.ts); autocannon runs here.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { ChildMessage, ChildOptions, ChildRole } from './child.js';
import {
  FALLBACK_TEMPLATES,
  buildPrefetch,
  generateOnfhPatient,
  orderSignRequest,
  patientViewRequest,
  type PrefetchTemplates,
} from './generate.js';
import { checkCardRules } from '../src/cds-hooks/card.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const WARMUP_SECONDS = Math.max(1, Math.round(SECONDS / 3));
const CONNECTIONS = 10;
/**
 * autocannon's overallRate is a per-second quota per connection: each connection sends back to
 * back until its quota is spent, then idles until the next second. With 10 connections the
 * "35 %" run would spend a third of every second saturated and measure saturation latency; with
 * 2 connections the bursts overlap by at most one request, which is the moderate load meant.
 */
const RATE_CONNECTIONS = Number(process.env['BENCH_RATE_CONNECTIONS'] ?? 2);
const FHIR_DELAY_MS = 50;
/** Scenario (c) load: latency, not throughput, is its question. */
const FHIR_SCENARIO_RATE = 40;
const RESOURCE_COUNT = 300;
const PROFILE = process.env['BENCH_PROFILE'] === '1';
/** Calibration: a second floor stands in for the service, so the ratios show the noise of the method. */
const CALIBRATE = process.env['BENCH_CALIBRATE'] === '1';
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

// --- child processes -------------------------------------------------------------------------

interface Child {
  readonly role: ChildRole;
  readonly url: string;
  readonly process: ChildProcess;
}

function startChild(role: ChildRole, options: ChildOptions = {}): Promise<Child> {
  const execArgv = ['--import', 'tsx'];
  if (PROFILE && role === 'service') {
    mkdirSync(here('./profiles'), { recursive: true });
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${here('./profiles')}`);
  }
  const child = fork(here('./child.ts'), [role, JSON.stringify(options)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`${role}: not ready after 60 s`)); }, 60_000);
    child.once('exit', (code) => { reject(new Error(`${role}: exited with ${String(code)} before it was ready`)); });
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve({ role, url: message.url, process: child });
      } else if (message.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`${role}: ${message.message}`));
      }
    });
  });
}

function rssOf(child: Child): Promise<{ rss: number; heapUsed: number }> {
  return new Promise((resolve) => {
    const onMessage = (message: ChildMessage): void => {
      if (message.type !== 'rss') return;
      child.process.off('message', onMessage);
      resolve({ rss: message.rss, heapUsed: message.heapUsed });
    };
    child.process.on('message', onMessage);
    child.process.send({ type: 'rss' });
  });
}

function stopChild(child: Child): Promise<void> {
  return new Promise((resolve) => {
    if (child.process.exitCode !== null) { resolve(); return; }
    const timer = setTimeout(() => { child.process.kill('SIGKILL'); }, 10_000);
    child.process.once('exit', () => { clearTimeout(timer); resolve(); });
    child.process.send({ type: 'stop' });
  });
}

// --- load ------------------------------------------------------------------------------------

export interface LoadFigures {
  readonly reqPerSec: number;
  readonly p50: number;
  readonly p97_5: number;
  readonly p99: number;
  readonly max: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly rate?: number;
}

interface Load {
  readonly url: string;
  readonly body: Buffer;
  readonly seconds: number;
  readonly rate?: number;
  readonly connections?: number;
}

async function drive(load: Load): Promise<LoadFigures> {
  const result = await autocannon({
    url: load.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: load.body,
    connections: load.connections ?? CONNECTIONS,
    duration: load.seconds,
    timeout: 10,
    // The correction assumes evenly spaced sends 1/rate apart (rounded up to 1 ms here), which
    // autocannon does not do: it would add made-up samples, so it is off and the raw latencies kept.
    ...(load.rate !== undefined ? { overallRate: load.rate, ignoreCoordinatedOmission: true } : {}),
  });
  return {
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p97_5: result.latency.p97_5,
    p99: result.latency.p99,
    max: result.latency.max,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    ...(load.rate !== undefined ? { rate: load.rate } : {}),
  };
}

// --- the run ---------------------------------------------------------------------------------

interface Probe {
  readonly status: number;
  readonly cards: number;
  readonly summaries: readonly string[];
  readonly cardFaults: readonly string[];
  readonly ms: number;
}

async function probe(url: string, body: Buffer): Promise<Probe> {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await response.text();
  const ms = performance.now() - started;
  let cards: unknown[] = [];
  try {
    const parsed = JSON.parse(text) as { cards?: unknown };
    if (Array.isArray(parsed.cards)) cards = parsed.cards;
  } catch {
    // reported through status and the empty list
  }
  if (response.status !== 200) console.log(`  ${url} → ${String(response.status)}: ${text.slice(0, 400)}`);
  return {
    status: response.status,
    cards: cards.length,
    summaries: cards.map((c) => String((c as { summary?: unknown }).summary)),
    cardFaults: cards.flatMap((c) => checkCardRules(c)),
    ms,
  };
}

async function discoveryTemplates(serviceUrl: string): Promise<Record<string, PrefetchTemplates>> {
  try {
    const response = await fetch(`${serviceUrl}/cds-services`);
    const doc = (await response.json()) as { services?: { id: string; prefetch?: Record<string, string> }[] };
    return Object.fromEntries((doc.services ?? []).map((s) => [s.id, s.prefetch ?? {}]));
  } catch {
    return {};
  }
}

const fmt = (n: number, digits = 1): string => n.toFixed(digits);
const mb = (bytes: number): string => `${fmt(bytes / 1024 / 1024)} MB`;

function line(name: string, f: LoadFigures): string {
  const bad = f.non2xx + f.errors + f.timeouts > 0 ? `  (non-2xx ${String(f.non2xx)}, errors ${String(f.errors)}, timeouts ${String(f.timeouts)})` : '';
  return `  ${name.padEnd(34)} ${fmt(f.reqPerSec, 0).padStart(7)} req/s   p50 ${String(f.p50).padStart(4)} ms   p97.5 ${String(f.p97_5).padStart(4)} ms   p99 ${String(f.p99).padStart(4)} ms${bad}`;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const { patientId, resources } = generateOnfhPatient({ resourceCount: RESOURCE_COUNT });
  console.log(`onfh-cds bench: ${String(resources.length)} resources, ${String(SECONDS)} s per run (+${String(WARMUP_SECONDS)} s warm-up), ${String(CONNECTIONS)} connections`);

  const floor = await startChild('floor');
  const fhir = await startChild('fhir', { delayMs: FHIR_DELAY_MS, resourceCount: RESOURCE_COUNT });
  const service = await startChild(CALIBRATE ? 'floor' : 'service', {});
  if (CALIBRATE) console.log('  CALIBRATION: a second floor plays the service');
  const children = [floor, fhir, service];
  try {
    const templates = await discoveryTemplates(service.url);
    const pvTemplates = templates['onfh-patient-view'] ?? FALLBACK_TEMPLATES;
    const osTemplates = templates['onfh-order-sign'] ?? FALLBACK_TEMPLATES;
    if (!templates['onfh-patient-view']) console.log('  (no discovery document: fallback prefetch templates)');

    const bodies = {
      a: Buffer.from(JSON.stringify(patientViewRequest(patientId, { prefetch: buildPrefetch(resources, pvTemplates, patientId) }))),
      b: Buffer.from(JSON.stringify(orderSignRequest(patientId, { prefetch: buildPrefetch(resources, osTemplates, patientId) }))),
      c: Buffer.from(JSON.stringify(patientViewRequest(patientId, { fhirServer: fhir.url }))),
    };
    const paths = { a: '/cds-services/onfh-patient-view', b: '/cds-services/onfh-order-sign', c: '/cds-services/onfh-patient-view' };
    console.log(`  bodies: (a) ${fmt(bodies.a.length / 1024)} KiB, (b) ${fmt(bodies.b.length / 1024)} KiB, (c) ${String(bodies.c.length)} B`);

    const probes = {
      a: await probe(service.url + paths.a, bodies.a),
      b: await probe(service.url + paths.b, bodies.b),
      c: await probe(service.url + paths.c, bodies.c),
    };
    for (const [k, p] of Object.entries(probes)) {
      console.log(`  probe (${k}): ${String(p.status)}, ${String(p.cards)} card(s)${p.summaries.length ? `: ${p.summaries.map((s) => JSON.stringify(s)).join(', ')}` : ''}${p.cardFaults.length ? `; CARD FAULTS: ${p.cardFaults.join('; ')}` : ''}`);
    }

    const run = async (child: Child, path: string, body: Buffer, rate?: number, connections?: number): Promise<LoadFigures> => {
      await drive({ url: child.url + path, body, seconds: WARMUP_SECONDS, ...(rate !== undefined ? { rate } : {}), ...(connections !== undefined ? { connections } : {}) });
      return drive({ url: child.url + path, body, seconds: SECONDS, ...(rate !== undefined ? { rate } : {}), ...(connections !== undefined ? { connections } : {}) });
    };

    console.log('\n(a) patient-view, full prefetch');
    const aFloorMax = await run(floor, paths.a, bodies.a);
    console.log(line('floor, max', aFloorMax));
    const aServiceMax = await run(service, paths.a, bodies.a);
    console.log(line('service, max', aServiceMax));
    const rate = Math.max(1, Math.round(aFloorMax.reqPerSec * 0.35));
    const aServiceRate = await run(service, paths.a, bodies.a, rate, RATE_CONNECTIONS);
    console.log(line(`service @ ${String(rate)} req/s (35 % floor)`, aServiceRate));
    const aFloorRate = await run(floor, paths.a, bodies.a, rate, RATE_CONNECTIONS);
    console.log(line(`floor @ ${String(rate)} req/s`, aFloorRate));

    console.log('\n(b) order-sign, three draft orders, full prefetch');
    const bFloorMax = await run(floor, paths.b, bodies.b);
    console.log(line('floor, max', bFloorMax));
    const bServiceMax = await run(service, paths.b, bodies.b);
    console.log(line('service, max', bServiceMax));

    console.log(`\n(c) patient-view, no prefetch, FHIR server answering after ${String(FHIR_DELAY_MS)} ms`);
    const cService = await run(service, paths.c, bodies.c, FHIR_SCENARIO_RATE, CONNECTIONS);
    console.log(line(`service @ ${String(FHIR_SCENARIO_RATE)} req/s`, cService));

    const memory = await rssOf(service);

    const throughputRatio = aServiceMax.reqPerSec / aFloorMax.reqPerSec;
    const p99Limit = 1.5 * aFloorRate.p99 + 2;
    const cLimit = FHIR_DELAY_MS + 3;
    const clean = (f: LoadFigures): boolean => f.non2xx + f.errors + f.timeouts === 0;
    const targets = [
      { id: 'a-throughput', what: '(a) service/floor throughput ≥ 0.8', value: throughputRatio, limit: 0.8,
        pass: throughputRatio >= 0.8 && clean(aServiceMax) && probes.a.status === 200 },
      { id: 'a-p99-at-35pct', what: `(a) p99 at ${String(rate)} req/s ≤ 1.5 × floor p99 + 2 ms`, value: aServiceRate.p99, limit: p99Limit,
        pass: aServiceRate.p99 <= p99Limit && clean(aServiceRate) },
      { id: 'c-p50', what: `(c) p50 ≤ FHIR delay + 3 ms`, value: cService.p50, limit: cLimit,
        pass: cService.p50 <= cLimit && clean(cService) && probes.c.status === 200 },
      { id: 'rss', what: 'service RSS after the run < 250 MB', value: memory.rss / 1024 / 1024, limit: 250,
        pass: memory.rss < 250 * 1024 * 1024 },
    ];

    console.log('\nRatios');
    console.log(`  (a) throughput service/floor: ${fmt(throughputRatio, 2)}`);
    console.log(`  (a) p99 at 35 %: service ${String(aServiceRate.p99)} ms vs floor ${String(aFloorRate.p99)} ms`);
    console.log(`  (b) throughput service/floor: ${fmt(bServiceMax.reqPerSec / bFloorMax.reqPerSec, 2)}`);
    console.log(`  (c) p50 ${String(cService.p50)} ms for a FHIR delay of ${String(FHIR_DELAY_MS)} ms`);
    console.log(`  service RSS ${mb(memory.rss)}, heap used ${mb(memory.heapUsed)}`);
    console.log('\nTargets');
    for (const t of targets) console.log(`  ${t.pass ? 'PASS' : 'FAIL'}  ${t.what}: ${fmt(t.value, 2)} (limit ${fmt(t.limit, 2)})`);

    const results = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      node: process.version,
      cpus: (await import('node:os')).cpus().length,
      settings: { seconds: SECONDS, warmupSeconds: WARMUP_SECONDS, connections: CONNECTIONS, rateConnections: RATE_CONNECTIONS, fhirDelayMs: FHIR_DELAY_MS, resources: resources.length, bodyBytes: { a: bodies.a.length, b: bodies.b.length, c: bodies.c.length } },
      probes,
      scenarios: {
        a: { floorMax: aFloorMax, serviceMax: aServiceMax, floorAtRate: aFloorRate, serviceAtRate: aServiceRate, rate },
        b: { floorMax: bFloorMax, serviceMax: bServiceMax },
        c: { service: cService, rate: FHIR_SCENARIO_RATE },
      },
      ratios: { aThroughput: throughputRatio, bThroughput: bServiceMax.reqPerSec / bFloorMax.reqPerSec },
      memory,
      targets,
    };
    writeFileSync(here('./results.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nwrote bench/results.json (${fmt((Date.now() - startedAt.getTime()) / 1000, 0)} s)`);
    if (PROFILE) console.log('CPU profile of the service: bench/profiles/*.cpuprofile (open in Chrome DevTools → Performance)');
    process.exitCode = targets.every((t) => t.pass) ? 0 : 1;
  } finally {
    await Promise.all(children.map(stopChild));
  }
}

await main();
