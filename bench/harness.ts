/**
 * What the benchmark, the profiler and the soak test share: servers in child processes
 * (bench/child.ts) and an autocannon load against them.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { ChildMessage, ChildOptions, ChildRole } from './child.js';

export const benchPath = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

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
  const execArgv = ['--import', 'tsx', ...(options.nodeFlags ?? [])];
  if (options.cpuProfileDir !== undefined) {
    mkdirSync(options.cpuProfileDir, { recursive: true });
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`);
  }
  const child = fork(benchPath('./child.ts'), [role, JSON.stringify(options)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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

export function stopChild(child: Child): Promise<void> {
  return new Promise((resolve) => {
    if (child.process.exitCode !== null || child.process.signalCode !== null) { resolve(); return; }
    const timer = setTimeout(() => { child.process.kill('SIGKILL'); }, 10_000);
    child.process.once('exit', () => { clearTimeout(timer); resolve(); });
    child.process.send({ type: 'stop' });
  });
}

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

export async function drive(load: Load): Promise<LoadFigures> {
  const result = await autocannon({
    url: load.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: load.body,
    connections: load.connections,
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
    connections: load.connections,
    ...(load.rate !== undefined ? { rate: load.rate } : {}),
  };
}

export const clean = (f: LoadFigures): boolean => f.non2xx + f.errors + f.timeouts === 0;
