/**
 * Soak test (issue 7, item 4; not in CI): a fixed rate of patient-view calls with full prefetch
 * (the ~300-resource chart of bench/generate.ts) against the service in a child process, for a
 * long time, watching its memory. A leak shows as memory that keeps growing after warm-up.
 *
 *     npx tsx scripts/soak.ts                          10 minutes at 200 req/s
 *     SOAK_SECONDS=120 SOAK_RATE=100 npx tsx scripts/soak.ts
 *     nohup npx tsx scripts/soak.ts > /tmp/soak.log 2>&1 &
 *
 * Every SOAK_SAMPLE_SECONDS (10): RSS, and heap used after a full GC (the child runs with
 * --expose-gc; the heap after GC is the live data, the steadier sign of a leak). Reports the
 * growth from the end of warm-up (SOAK_WARMUP_SECONDS, default 60 or a tenth of the run) to the
 * end, against the target < 10 %, and the failed requests (non-2xx, errors, timeouts), target 0.
 * Exit code 1 when a target is missed.
 */
import autocannon from 'autocannon';
import { FALLBACK_TEMPLATES, buildPrefetch, generateOnfhPatient, patientViewRequest, type PrefetchTemplates } from '../bench/generate.js';
import { memoryOf, prepareChildren, startChild, stopChild } from '../bench/harness.js';

const SECONDS = Number(process.env['SOAK_SECONDS'] ?? 600);
const RATE = Number(process.env['SOAK_RATE'] ?? 200);
const CONNECTIONS = Number(process.env['SOAK_CONNECTIONS'] ?? 10);
const SAMPLE_SECONDS = Number(process.env['SOAK_SAMPLE_SECONDS'] ?? 10);
const WARMUP_SECONDS = Number(process.env['SOAK_WARMUP_SECONDS'] ?? Math.min(60, Math.round(SECONDS / 10)));
const GROWTH_TARGET = 0.1;

interface Sample {
  readonly t: number;
  readonly rssMb: number;
  readonly heapAfterGcMb: number;
  readonly requests: number;
  readonly failed: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

async function main(): Promise<void> {
  const { patientId, resources } = generateOnfhPatient({ resourceCount: 300 });
  const cleanup = prepareChildren();
  const service = await startChild('service', { nodeFlags: ['--expose-gc'] });
  try {
    let templates: PrefetchTemplates = FALLBACK_TEMPLATES;
    try {
      const doc = (await (await fetch(`${service.url}/cds-services`)).json()) as { services?: { id: string; prefetch?: Record<string, string> }[] };
      templates = doc.services?.find((s) => s.id === 'onfh-patient-view')?.prefetch ?? FALLBACK_TEMPLATES;
    } catch {
      // fallback templates
    }
    const body = Buffer.from(JSON.stringify(patientViewRequest(patientId, { prefetch: buildPrefetch(resources, templates, patientId) })));
    const url = `${service.url}/cds-services/onfh-patient-view`;
    const probe = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const probeCards = ((await probe.json()) as { cards?: unknown[] }).cards?.length ?? 0;
    console.log(`soak: ${String(SECONDS)} s at ${String(RATE)} req/s (${String(CONNECTIONS)} connections), body ${(body.length / 1024).toFixed(0)} KiB, ` +
      `probe ${String(probe.status)} with ${String(probeCards)} card(s); warm-up ${String(WARMUP_SECONDS)} s; started ${new Date().toISOString()}`);

    let requests = 0;
    let failed = 0;
    let finish: (result: autocannon.Result) => void = () => undefined;
    let fail: (error: unknown) => void = () => undefined;
    const done = new Promise<autocannon.Result>((resolve, reject) => { finish = resolve; fail = reject; });
    const instance = autocannon({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      connections: CONNECTIONS,
      overallRate: RATE,
      duration: SECONDS,
      timeout: 10,
    }, (error: unknown, result: autocannon.Result) => { if (error) fail(error); else finish(result); });
    instance.on('response', (_client: autocannon.Client, statusCode: number) => {
      requests++;
      if (statusCode < 200 || statusCode >= 300) failed++;
    });
    instance.on('reqError', () => { failed++; });

    const samples: Sample[] = [];
    const started = Date.now();
    const sample = async (): Promise<void> => {
      const natural = await memoryOf(service);
      const afterGc = await memoryOf(service, true);
      const s: Sample = { t: Math.round((Date.now() - started) / 1000), rssMb: mb(natural.rss), heapAfterGcMb: mb(afterGc.heapUsed), requests, failed };
      samples.push(s);
      console.log(`  t=${String(s.t).padStart(4)} s  RSS ${String(s.rssMb).padStart(6)} MB  heap after GC ${String(s.heapAfterGcMb).padStart(6)} MB  requests ${String(s.requests).padStart(7)}  failed ${String(s.failed)}`);
    };
    const timer = setInterval(() => { void sample(); }, SAMPLE_SECONDS * 1000);
    const result = await done;
    clearInterval(timer);
    await sample();

    // RSS swings by tens of MB between two samples (GC timing), so the growth compares medians: of the
    // first third of the samples after warm-up, and of the last third.
    const steady = samples.filter((s) => s.t >= WARMUP_SECONDS);
    const third = Math.max(1, Math.floor(steady.length / 3));
    const early = steady.slice(0, third);
    const late = steady.slice(-third);
    if (early.length === 0 || late.length === 0) throw new Error('no samples after warm-up: run longer');
    const tenth = (x: number): number => Math.round(x * 10) / 10;
    const rssEarly = tenth(median(early.map((s) => s.rssMb)));
    const rssLate = tenth(median(late.map((s) => s.rssMb)));
    const heapEarly = tenth(median(early.map((s) => s.heapAfterGcMb)));
    const heapLate = tenth(median(late.map((s) => s.heapAfterGcMb)));
    const rssGrowth = (rssLate - rssEarly) / rssEarly;
    const heapGrowth = (heapLate - heapEarly) / heapEarly;
    const maxRss = Math.max(...samples.map((s) => s.rssMb));
    const failures = result.non2xx + result.errors + result.timeouts;
    console.log(`\nrequests ${String(result.requests.total)} (${result.requests.average.toFixed(1)} req/s), latency p50 ${String(result.latency.p50)} ms, p99 ${String(result.latency.p99)} ms`);
    if (result.requests.average < 0.9 * RATE) {
      console.log(`NOTE: the service kept up with ${result.requests.average.toFixed(0)} of the ${String(RATE)} req/s asked: this run measured overload, not a steady state; lower SOAK_RATE`);
    }
    console.log(`RSS (median of ${String(third)} samples): ${String(rssEarly)} MB after warm-up → ${String(rssLate)} MB at the end (growth ${pct(rssGrowth)}), max ${String(maxRss)} MB`);
    console.log(`heap after GC (median): ${String(heapEarly)} MB → ${String(heapLate)} MB (growth ${pct(heapGrowth)})`);
    console.log(`failed requests: ${String(failures)} (non-2xx ${String(result.non2xx)}, errors ${String(result.errors)}, timeouts ${String(result.timeouts)})`);
    const rssPass = rssGrowth < GROWTH_TARGET;
    const failPass = failures === 0;
    console.log(`${rssPass ? 'PASS' : 'FAIL'}  RSS growth after warm-up < 10 %: ${pct(rssGrowth)}`);
    console.log(`${failPass ? 'PASS' : 'FAIL'}  failed requests = 0: ${String(failures)}`);
    console.log(`SOAK_JSON ${JSON.stringify({ seconds: SECONDS, rate: RATE, samples, rssGrowth, heapGrowth, maxRss, failures, p50: result.latency.p50, p99: result.latency.p99 })}`);
    process.exitCode = rssPass && failPass ? 0 : 1;
  } finally {
    await stopChild(service);
    cleanup();
  }
}

await main();
