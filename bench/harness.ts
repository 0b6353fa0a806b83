/**
 * What the benchmark, the profiler and the soak test share: servers in child processes
 * (bench/child.ts) and an autocannon load against them.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { buildForBench } from './build.js';
import type { ChildMessage, ChildOptions, ChildRole } from './child.js';
import type { BenchFhirStats } from './fhir.js';

export const benchPath = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/**
 * Children run the compiler-emitted JavaScript (bench/build.ts), as production does; BENCH_TSX=1
 * runs them through tsx instead. Returns the cleanup to call at the end.
 */
export function prepareChildren(): () => void {
  if (process.env['BENCH_TSX'] === '1' || process.env['BENCH_BUILD_DIR'] !== undefined) return () => undefined;
  const build = buildForBench();
  process.env['BENCH_BUILD_DIR'] = build.dir;
  return () => {
    delete process.env['BENCH_BUILD_DIR'];
    build.cleanup();
  };
}

export interface Child {
  readonly role: ChildRole;
  readonly url: string;
  readonly process: ChildProcess;
}

export interface StartOptions extends ChildOptions {
  /** Write a V8 CPU profile into this folder when the child exits. */
  readonly cpuProfileDir?: string;
  /** Extra node flags for the child (e.g. --max-semi-space-size=64). */
  readonly nodeFlags?: readonly string[];
}

export function startChild(role: ChildRole, options: StartOptions = {}): Promise<Child> {
  // BENCH_BUILD_DIR: a tsc build of the project (see bench/run.ts): plain node, no tsx transform.
  const built = process.env['BENCH_BUILD_DIR'];
  const execArgv = [...(built === undefined ? ['--import', 'tsx'] : []), ...(options.nodeFlags ?? [])];
  if (options.cpuProfileDir !== undefined) {
    mkdirSync(options.cpuProfileDir, { recursive: true });
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`);
  }
  const entry = built === undefined ? benchPath('./child.ts') : `${built}/bench/child.js`;
  const child = fork(entry, [role, JSON.stringify(options)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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

/** The child's memory, as it reports it (process.memoryUsage()); `gc` first runs a full GC (child started with --expose-gc). */
export function memoryOf(child: Child, gc = false): Promise<{ rss: number; heapUsed: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`${child.role}: no memory report`)); }, 10_000);
    const onMessage = (message: ChildMessage): void => {
      if (message.type !== 'rss') return;
      clearTimeout(timer);
      child.process.off('message', onMessage);
      resolve({ rss: message.rss, heapUsed: message.heapUsed });
    };
    child.process.on('message', onMessage);
    child.process.send({ type: 'rss', gc });
  });
}

/** A fhir child's answer counts and lag behind its fixed delay (bench/fhir.ts). */
export function fhirStatsOf(child: Child): Promise<BenchFhirStats> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`${child.role}: no stats`)); }, 10_000);
    const onMessage = (message: ChildMessage): void => {
      if (message.type !== 'fhir-stats') return;
      clearTimeout(timer);
      child.process.off('message', onMessage);
      resolve(message.stats);
    };
    child.process.on('message', onMessage);
    child.process.send({ type: 'fhir-stats' });
  });
}

export function stopChild(child: Child): Promise<void> {
  return new Promise((resolve) => {
    if (child.process.exitCode !== null || child.process.signalCode !== null) { resolve(); return; }
    const timer = setTimeout(() => { child.process.kill('SIGKILL'); }, 10_000);
    child.process.once('exit', () => { clearTimeout(timer); resolve(); });
    child.process.send({ type: 'stop' });
  });
}

export interface LoadFigures {
  /** 2xx answers per second of load. */
  readonly reqPerSec: number;
  /** Latency percentiles of the 2xx answers, ms (from every response, not autocannon's 1 ms buckets). */
  readonly p50: number;
  readonly p97_5: number;
  readonly p99: number;
  /** The median of each round's own p99 (compare()): one disturbed round does not decide it. */
  readonly p99MedianOfRounds: number;
  readonly max: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly seconds: number;
  readonly rate?: number;
  readonly connections: number;
}

export interface Load {
  readonly url: string;
  readonly body: Buffer;
  readonly seconds: number;
  readonly connections: number;
  /** autocannon overallRate (requests per second over all connections). */
  readonly rate?: number;
}

/** One autocannon run; the raw latency of every 2xx answer is kept for exact percentiles. */
interface RawRun {
  readonly latencies: number[];
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly seconds: number;
}

function runOnce(load: Load): Promise<RawRun> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    let non2xx = 0;
    const instance = autocannon(
      {
        url: load.url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: load.body,
        connections: load.connections,
        duration: load.seconds,
        timeout: 10,
        // The correction assumes evenly spaced sends 1/rate apart (rounded up to 1 ms here), which
        // autocannon does not do: it would add made-up samples. Raw latencies are kept instead.
        ...(load.rate !== undefined ? { overallRate: load.rate, ignoreCoordinatedOmission: true } : {}),
      },
      (error: unknown, result: autocannon.Result) => {
        if (error) reject(error instanceof Error ? error : new Error(`autocannon failed on ${load.url}`));
        else resolve({ latencies, non2xx, errors: result.errors, timeouts: result.timeouts, seconds: result.duration });
      },
    );
    instance.on('response', (_client: autocannon.Client, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      else non2xx++;
    });
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
}

function figures(runs: readonly RawRun[], load: Load): LoadFigures {
  const roundP99 = runs.map((r) => percentile([...r.latencies].sort((a, b) => a - b), 99));
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const seconds = runs.reduce((t, r) => t + r.seconds, 0);
  const round = (x: number): number => Math.round(x * 100) / 100;
  return {
    reqPerSec: round(latencies.length / seconds),
    p50: round(percentile(latencies, 50)),
    p97_5: round(percentile(latencies, 97.5)),
    p99: round(percentile(latencies, 99)),
    p99MedianOfRounds: round(median(roundP99)),
    max: round(latencies[latencies.length - 1] ?? Number.NaN),
    requests: latencies.length,
    non2xx: runs.reduce((t, r) => t + r.non2xx, 0),
    errors: runs.reduce((t, r) => t + r.errors, 0),
    timeouts: runs.reduce((t, r) => t + r.timeouts, 0),
    seconds: round(seconds),
    connections: load.connections,
    ...(load.rate !== undefined ? { rate: load.rate } : {}),
  };
}

export async function drive(load: Load): Promise<LoadFigures> {
  return figures([await runOnce(load)], load);
}

/**
 * Two servers under the same load, measured in alternating rounds (a, b, a, b, …) after a warm-up
 * of each, so that a machine whose other load changes during the run moves both alike.
 */
export async function compare(a: Load, b: Load, rounds: number, warmupSeconds: number): Promise<[LoadFigures, LoadFigures]> {
  await runOnce({ ...a, seconds: warmupSeconds });
  await runOnce({ ...b, seconds: warmupSeconds });
  const runsA: RawRun[] = [];
  const runsB: RawRun[] = [];
  for (let i = 0; i < rounds; i++) {
    runsA.push(await runOnce({ ...a, seconds: a.seconds / rounds }));
    runsB.push(await runOnce({ ...b, seconds: b.seconds / rounds }));
  }
  return [figures(runsA, a), figures(runsB, b)];
}

export const clean = (f: LoadFigures): boolean => f.non2xx + f.errors + f.timeouts === 0;
