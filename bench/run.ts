/**
 * The benchmark: the service against a bare Fastify "floor" (bench/floor.ts), in one run on one
 * machine, so every figure that matters is a ratio measured under the same noise.
 *
 *     npx tsx bench/run.ts            (≈ 2 minutes; writes bench/results.json)
 *     BENCH_SECONDS=5 npx tsx bench/run.ts      shorter runs
 *     BENCH_PROFILE=1 npx tsx bench/run.ts      the service writes a V8 CPU profile to bench/profiles/
 *     BENCH_CALIBRATE=1 npx tsx bench/run.ts    floor against floor: the noise of the method
 *     BENCH_NODE_FLAGS='--max-semi-space-size=64' npx tsx bench/run.ts   node flags for both servers
 *     BENCH_TSX=1 npx tsx bench/run.ts          servers through tsx instead of compiled JavaScript
 *
 * Scenarios (docs/performance.md):
 *   (a) patient-view, full prefetch, a realistic ~300-resource chart (bench/generate.ts):
 *       max throughput, then latency at a fixed 35 % of the floor's max rate;
 *   (b) order-sign with three draft orders and full prefetch: max throughput;
 *   (c) patient-view without prefetch: every key fetched from a local FHIR server that answers
 *       after a fixed delay (bench/fhir.ts: the FHIR test server's answers, recorded, each sent
 *       exactly FHIR_DELAY_MS after its request arrived); latency at a moderate fixed rate.
 * Servers run in child processes (bench/child.ts); autocannon runs here.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { benchPath, clean, compare, fhirStatsOf, memoryOf, prepareChildren, startChild, stopChild, type Child, type Load, type LoadFigures } from './harness.js';
import { discoveryTemplates, prefetchQueries } from './fhir-queries.js';
import {
  FALLBACK_TEMPLATES,
  buildPrefetch,
  generateOnfhPatient,
  orderSignRequest,
  patientViewRequest,
} from './generate.js';
import { checkCardRules } from '../src/cds-hooks/card.js';
import { storeBench } from './store.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const WARMUP_SECONDS = Math.max(1, Math.round(SECONDS / 3));
/** Floor and service alternate in this many rounds of SECONDS / ROUNDS each. */
// autocannon stops on its whole-second tick, so SECONDS / ROUNDS should be a whole number.
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const CONNECTIONS = 10;
/**
 * autocannon's overallRate is a per-second quota per connection: each connection sends back to
 * back until its quota is spent, then idles until the next second. With 10 connections the
 * "35 %" run would spend a third of every second saturated and measure saturation latency; with
 * 2 connections the bursts overlap by at most one request, which is the moderate load meant.
 */
const RATE_CONNECTIONS = Number(process.env['BENCH_RATE_CONNECTIONS'] ?? 2);
const FHIR_DELAY_MS = 50;
/**
 * Scenario (c) load: latency, not throughput, is its question. The FHIR server answers from its
 * recording (bench/fhir.ts), so it costs little CPU; 20 req/s on 2 connections is 10 calls per
 * second per connection, each waiting ≥ 50 ms for its answer: at most two calls in the service at
 * once, which keeps it a latency measurement (one connection can do at most ~18 calls a second).
 */
const FHIR_SCENARIO_RATE = Number(process.env['BENCH_FHIR_RATE'] ?? 20);
const FHIR_SCENARIO_CONNECTIONS = 2;
const RESOURCE_COUNT = 300;
const PROFILE = process.env['BENCH_PROFILE'] === '1';
/** Node flags for the service and the floor alike, e.g. BENCH_NODE_FLAGS='--max-semi-space-size=64'. */
const NODE_FLAGS = (process.env['BENCH_NODE_FLAGS'] ?? '').split(' ').filter((f) => f.length > 0);
/** Calibration: a second floor stands in for the service, so the ratios show the noise of the method. */
const CALIBRATE = process.env['BENCH_CALIBRATE'] === '1';

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

const fmt = (n: number, digits = 1): string => n.toFixed(digits);

/**
 * Queries (relative URLs) sent straight to the FHIR server of (c) from here, all at once (one
 * parallel round), `n` times, 60 ms apart (so both processes are idle in between, as in (c));
 * p50 of the time until the last one has answered and its body has been read.
 */
async function timeFhirRound(baseUrl: string, queries: readonly string[], n: number): Promise<{ p50: number }> {
  const urls = queries.map((q) => `${baseUrl}/${q}`);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await Promise.all(urls.map(async (url) => { await (await fetch(url)).arrayBuffer(); }));
    times.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 60));
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length / 2)] ?? Number.NaN };
}
const mb = (bytes: number): string => `${fmt(bytes / 1024 / 1024)} MB`;

function line(name: string, f: LoadFigures): string {
  const bad = f.non2xx + f.errors + f.timeouts > 0 ? `  (non-2xx ${String(f.non2xx)}, errors ${String(f.errors)}, timeouts ${String(f.timeouts)})` : '';
  return `  ${name.padEnd(34)} ${fmt(f.reqPerSec, 0).padStart(7)} req/s   p50 ${fmt(f.p50).padStart(6)} ms   p97.5 ${fmt(f.p97_5).padStart(6)} ms   p99 ${fmt(f.p99).padStart(6)} ms${bad}`;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadBefore = loadavg()[0] ?? 0;
  const { patientId, resources } = generateOnfhPatient({ resourceCount: RESOURCE_COUNT });
  console.log(`onfh-cds bench: ${String(resources.length)} resources, ${String(SECONDS)} s per run (+${String(WARMUP_SECONDS)} s warm-up), ${String(CONNECTIONS)} connections`);

  const cleanup = prepareChildren();
  console.log(`  servers run ${process.env['BENCH_BUILD_DIR'] === undefined ? 'through tsx (BENCH_TSX=1)' : 'as compiler-emitted JavaScript (bench/build.ts)'}`);
  const floor = await startChild('floor', { nodeFlags: NODE_FLAGS });
  const service = await startChild(CALIBRATE ? 'floor' : 'service', { nodeFlags: NODE_FLAGS, ...(PROFILE ? { cpuProfileDir: benchPath('./profiles') } : {}) });
  if (CALIBRATE) console.log('  CALIBRATION: a second floor plays the service');
  const children = [floor, service];
  try {
    const templates = await discoveryTemplates(service.url);
    const pvTemplates = templates['onfh-patient-view'] ?? FALLBACK_TEMPLATES;
    const osTemplates = templates['onfh-order-sign'] ?? FALLBACK_TEMPLATES;
    if (!templates['onfh-patient-view']) console.log('  (no discovery document: fallback prefetch templates)');
    // The FHIR servers of (c) record the service's own queries at startup (bench/fhir.ts): one page
    // per query (as "all fetches in one parallel round" assumes), and, for a probe of what paging
    // costs, a server that pages by 20 and caps `_count` at 50 (the service asks for 1000 per page):
    // 6 pages of Observations. Capped at 20 the 287 Observations would need 15 pages, more than
    // FHIR_MAX_PAGES (10), and the call would be a 412.
    const warm = prefetchQueries(pvTemplates, patientId);
    const fhir = await startChild('fhir', { delayMs: FHIR_DELAY_MS, resourceCount: RESOURCE_COUNT, pageSize: 1000, warm });
    children.push(fhir);
    const fhirPaged = await startChild('fhir', { delayMs: FHIR_DELAY_MS, resourceCount: RESOURCE_COUNT, pageSize: 20, maxPageSize: 50, warm });
    children.push(fhirPaged);

    const bodies = {
      a: Buffer.from(JSON.stringify(patientViewRequest(patientId, { prefetch: buildPrefetch(resources, pvTemplates, patientId) }))),
      b: Buffer.from(JSON.stringify(orderSignRequest(patientId, { prefetch: buildPrefetch(resources, osTemplates, patientId) }))),
      c: Buffer.from(JSON.stringify(patientViewRequest(patientId, { fhirServer: fhir.url }))),
      cPaged: Buffer.from(JSON.stringify(patientViewRequest(patientId, { fhirServer: fhirPaged.url }))),
    };
    const paths = { a: '/cds-services/onfh-patient-view', b: '/cds-services/onfh-order-sign', c: '/cds-services/onfh-patient-view' };
    console.log(`  bodies: (a) ${fmt(bodies.a.length / 1024)} KiB, (b) ${fmt(bodies.b.length / 1024)} KiB, (c) ${String(bodies.c.length)} B`);

    const probes = {
      a: await probe(service.url + paths.a, bodies.a),
      b: await probe(service.url + paths.b, bodies.b),
      c: await probe(service.url + paths.c, bodies.c),
      cPaged: await probe(service.url + paths.c, bodies.cPaged),
    };
    for (const [k, p] of Object.entries(probes)) {
      console.log(`  probe (${k}): ${String(p.status)} in ${fmt(p.ms)} ms, ${String(p.cards)} card(s)${p.summaries.length ? `: ${p.summaries.map((s) => JSON.stringify(s)).join(', ')}` : ''}${p.cardFaults.length ? `; CARD FAULTS: ${p.cardFaults.join('; ')}` : ''}`);
    }

    const load = (child: Child, path: string, body: Buffer, rate?: number, connections = CONNECTIONS): Load => ({
      url: child.url + path, body, seconds: SECONDS, connections, ...(rate !== undefined ? { rate } : {}),
    });

    console.log(`\n(a) patient-view, full prefetch (floor and service alternate in ${String(ROUNDS)} rounds)`);
    const [aFloorMax, aServiceMax] = await compare(load(floor, paths.a, bodies.a), load(service, paths.a, bodies.a), ROUNDS, WARMUP_SECONDS);
    console.log(line('floor, max', aFloorMax));
    console.log(line('service, max', aServiceMax));
    const rate = Math.max(1, Math.round(aFloorMax.reqPerSec * 0.35));
    const [aFloorRate, aServiceRate] = await compare(
      load(floor, paths.a, bodies.a, rate, RATE_CONNECTIONS),
      load(service, paths.a, bodies.a, rate, RATE_CONNECTIONS),
      ROUNDS,
      WARMUP_SECONDS,
    );
    console.log(line(`floor @ ${String(rate)} req/s`, aFloorRate));
    console.log(line(`service @ ${String(rate)} req/s (35 % floor)`, aServiceRate));

    // Decomposition (informative): how much of the gap is the answer itself. A floor that answers
    // the service's own cards for this patient (the same bytes, serialised by Fastify without a
    // schema) against the plain floor.
    const cardsAnswer: unknown = await (await fetch(service.url + paths.a, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies.a })).json();
    const floorCards = await startChild('floor', { nodeFlags: NODE_FLAGS, answer: cardsAnswer });
    children.push(floorCards);
    const [aFloorPlain, aFloorCards] = await compare(load(floor, paths.a, bodies.a), load(floorCards, paths.a, bodies.a), ROUNDS, WARMUP_SECONDS);
    console.log(line('floor, max (again)', aFloorPlain));
    console.log(line(`floor answering the cards (${fmt(JSON.stringify(cardsAnswer).length / 1024)} KiB), max`, aFloorCards));

    console.log('\n(b) order-sign, three draft orders, full prefetch');
    const [bFloorMax, bServiceMax] = await compare(load(floor, paths.b, bodies.b), load(service, paths.b, bodies.b), ROUNDS, WARMUP_SECONDS);
    console.log(line('floor, max', bFloorMax));
    console.log(line('service, max', bServiceMax));

    console.log(`\n(c) patient-view, no prefetch, FHIR server answering after ${String(FHIR_DELAY_MS)} ms (floor and service alternate)`);
    // The floor of (c): the same six queries fetched in one round with Node's fetch, every answer
    // parsed, then `{"cards": []}` (bench/floor.ts); under the same load, in alternating rounds.
    const floorFhir = await startChild('floor', { nodeFlags: NODE_FLAGS, fhirQueries: warm });
    children.push(floorFhir);
    const fhirBefore = await fhirStatsOf(fhir);
    const [cFloor, cService] = await compare(
      load(floorFhir, paths.c, bodies.c, FHIR_SCENARIO_RATE, FHIR_SCENARIO_CONNECTIONS),
      load(service, paths.c, bodies.c, FHIR_SCENARIO_RATE, FHIR_SCENARIO_CONNECTIONS),
      ROUNDS,
      WARMUP_SECONDS,
    );
    const fhirAfter = await fhirStatsOf(fhir);
    // The same queries sent straight to the FHIR server at once, from here (undici fetch): its fixed
    // delay plus the cost of one parallel round on this machine, without a hop through a server.
    const fhirOwn = await timeFhirRound(fhir.url, warm, 20);
    // One request with the smallest answer (the Patient read): what one idle HTTP round trip costs on
    // this machine on top of the delay, before any work (two processes waking up).
    const patientRead = warm.find((q) => q.startsWith('Patient/'));
    const fhirOne = patientRead === undefined ? { p50: Number.NaN } : await timeFhirRound(fhir.url, [patientRead], 20);
    console.log(`  FHIR server alone, from the bench: the ${String(warm.length)} queries at once p50 ${fmt(fhirOwn.p50)} ms; the Patient read alone p50 ${fmt(fhirOne.p50)} ms (fixed delay ${String(FHIR_DELAY_MS)} ms)`);
    console.log(`  FHIR server during the run: ${String(fhirAfter.answers - fhirBefore.answers)} answers on ${String(fhirAfter.connections - fhirBefore.connections)} new connections, ${String(fhirAfter.recorded - fhirBefore.recorded)} newly recorded, ${String(fhirAfter.late - fhirBefore.late)} late; lag behind the delay p50 ${fmt(fhirAfter.lagMs.p50, 2)} ms, max ${fmt(fhirAfter.lagMs.max, 2)} ms (whole run)`);
    console.log(line(`floor (fetch + parse) @ ${String(FHIR_SCENARIO_RATE)} req/s`, cFloor));
    console.log(line(`service @ ${String(FHIR_SCENARIO_RATE)} req/s`, cService));

    const memory = await memoryOf(service);

    const throughputRatio = aServiceMax.reqPerSec / aFloorMax.reqPerSec;
    // p99 per round, then the median of the rounds: the calibration (floor against floor) showed the
    // pooled p99 of one 10 s run differing 2× between identical servers on this shared machine.
    const p99Limit = 1.5 * aFloorRate.p99MedianOfRounds + 2;
    const cLimit = FHIR_DELAY_MS + 3;
    // The decision store's cost on the hook path (bench/store.ts: in-process, store on vs off).
    const store = await storeBench();
    console.log(`\nstore: p50 added ${fmt(store.p50AddedMs, 3)} ms (on ${fmt(store.p50OnMs, 3)} vs off ${fmt(store.p50OffMs, 3)}, median of ${String(store.rounds)} rounds)`);
    const targets = [
      { id: 'store-p50-added', what: 'decision store: p50 added to a hook call ≤ 0.2 ms', value: store.p50AddedMs, limit: 0.2,
        pass: store.p50AddedMs <= 0.2 && store.recordsWritten === store.rounds * store.callsPerRound + store.callsPerRound },
      { id: 'a-throughput', what: '(a) service/floor throughput ≥ 0.8', value: throughputRatio, limit: 0.8,
        pass: throughputRatio >= 0.8 && clean(aServiceMax) && probes.a.status === 200 },
      { id: 'a-p99-at-35pct', what: `(a) p99 (median of ${String(ROUNDS)} rounds) at ${String(rate)} req/s ≤ 1.5 × floor's + 2 ms`, value: aServiceRate.p99MedianOfRounds, limit: p99Limit,
        pass: aServiceRate.p99MedianOfRounds <= p99Limit && clean(aServiceRate) },
      { id: 'c-p50', what: `(c) p50 ≤ FHIR delay + 3 ms`, value: cService.p50, limit: cLimit,
        pass: cService.p50 <= cLimit && clean(cService) && probes.c.status === 200 },
      { id: 'c-floor-p50', what: `(c) the floor's p50 ≤ FHIR delay + 3 ms (informative: whether the target can be met on this machine at all)`, value: cFloor.p50, limit: cLimit,
        pass: cFloor.p50 <= cLimit && clean(cFloor), informative: true },
      { id: 'c-p50-over-floor', what: `(c) p50 ≤ the floor's p50 + 3 ms (informative)`, value: cService.p50, limit: cFloor.p50 + 3,
        pass: cService.p50 <= cFloor.p50 + 3 && clean(cService) && probes.c.status === 200, informative: true },
      { id: 'rss', what: 'service RSS after the run < 250 MB', value: memory.rss / 1024 / 1024, limit: 250,
        pass: memory.rss < 250 * 1024 * 1024 },
    ];

    console.log(`\nMachine: ${String(cpus().length)} CPUs, 1-minute load average ${fmt(loadBefore, 1)} before, ${fmt(loadavg()[0] ?? 0, 1)} after${CALIBRATE ? '' : ' (BENCH_CALIBRATE=1 shows the noise of the method)'}`);
    console.log('\nRatios');
    console.log(`  (a) throughput service/floor: ${fmt(throughputRatio, 2)}`);
    console.log(`  (a) p99 at 35 %: service ${fmt(aServiceRate.p99)} ms vs floor ${fmt(aFloorRate.p99)} ms (ratio ${fmt(aServiceRate.p99 / aFloorRate.p99, 2)}); median of rounds ${fmt(aServiceRate.p99MedianOfRounds)} vs ${fmt(aFloorRate.p99MedianOfRounds)} ms (ratio ${fmt(aServiceRate.p99MedianOfRounds / aFloorRate.p99MedianOfRounds, 2)})`);
    console.log(`  (a) decomposition: a floor answering the service's own cards reaches ${fmt(aFloorCards.reqPerSec / aFloorPlain.reqPerSec, 2)} of the floor: the rest of the gap is the service's work`);
    console.log(`  (b) throughput service/floor: ${fmt(bServiceMax.reqPerSec / bFloorMax.reqPerSec, 2)}`);
    console.log(`  (c) p50 ${fmt(cService.p50)} ms for a FHIR delay of ${String(FHIR_DELAY_MS)} ms: ${fmt(cService.p50 - FHIR_DELAY_MS)} ms over the delay, ${fmt(cService.p50 - cFloor.p50)} ms over the floor (${fmt(cFloor.p50)} ms, ${fmt(cFloor.p50 - FHIR_DELAY_MS)} over the delay), ${fmt(cService.p50 - fhirOwn.p50)} ms over the bench's own round (${fmt(fhirOwn.p50)} ms)`);
    console.log(`  service RSS ${mb(memory.rss)}, heap used ${mb(memory.heapUsed)}`);
    console.log('\nTargets');
    for (const t of targets) console.log(`  ${t.pass ? 'PASS' : 'FAIL'}  ${t.what}: ${fmt(t.value, 2)} (limit ${fmt(t.limit, 2)})`);

    const results = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      // The machine's other load (1-minute load average) before and after: the context of every figure.
      loadAverage: { before: loadBefore, after: loadavg()[0] ?? 0 },
      settings: { nodeFlags: NODE_FLAGS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS, connections: CONNECTIONS, rateConnections: RATE_CONNECTIONS, fhirDelayMs: FHIR_DELAY_MS, resources: resources.length, bodyBytes: { a: bodies.a.length, b: bodies.b.length, c: bodies.c.length } },
      probes,
      scenarios: {
        a: { floorMax: aFloorMax, serviceMax: aServiceMax, floorAtRate: aFloorRate, serviceAtRate: aServiceRate, rate, floorAgain: aFloorPlain, floorAnsweringCards: aFloorCards },
        b: { floorMax: bFloorMax, serviceMax: bServiceMax },
        c: { floor: cFloor, service: cService, rate: FHIR_SCENARIO_RATE, connections: FHIR_SCENARIO_CONNECTIONS, fhirRoundP50: fhirOwn.p50, fhirOneRequestP50: fhirOne.p50, fhirServer: { before: fhirBefore, after: fhirAfter } },
      },
      ratios: { aThroughput: throughputRatio, aFloorAnsweringCards: aFloorCards.reqPerSec / aFloorPlain.reqPerSec, bThroughput: bServiceMax.reqPerSec / bFloorMax.reqPerSec, cP50OverFloorMs: cService.p50 - cFloor.p50 },
      memory,
      store,
      targets,
    };
    writeFileSync(benchPath('./results.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nwrote bench/results.json (${fmt((Date.now() - startedAt.getTime()) / 1000, 0)} s)`);
    if (PROFILE) console.log('CPU profile of the service: bench/profiles/*.cpuprofile (open in Chrome DevTools → Performance)');
    process.exitCode = targets.every((t) => t.pass || ('informative' in t && t.informative)) ? 0 : 1;
  } finally {
    await Promise.all(children.map(stopChild));
    cleanup();
  }
}

await main();
