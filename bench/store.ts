/**
 * What the decision store adds to a hook call (issue 20: p50 added ≤ 0.2 ms): the same
 * patient-view call (examples/patient-view.json) through app.inject on an app with the store off
 * and one with it on (PGlite in a temp DATA_DIR, 10,000 overrides of other patients in the
 * cache, records queued and written in batches meanwhile), in alternating rounds so both see the
 * same machine noise. The figure is the median over rounds of (p50 on − p50 off).
 *
 *     npx tsx bench/store.ts       (≈ 30 s; also run at the end of `npm run bench`)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { testConfig } from '../src/config.js';

const ROUNDS = Number(process.env['BENCH_STORE_ROUNDS'] ?? 10);
const CALLS = Number(process.env['BENCH_STORE_CALLS'] ?? 1000);
const NOW = new Date('2026-11-21T12:00:00Z');
const body = readFileSync(fileURLToPath(new URL('../examples/patient-view.json', import.meta.url)), 'utf8');

export interface StoreBench {
  readonly rounds: number;
  readonly callsPerRound: number;
  readonly p50OffMs: number;
  readonly p50OnMs: number;
  /** Median over rounds of p50(on) − p50(off). */
  readonly p50AddedMs: number;
  readonly recordsWritten: number;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

async function p50(app: FastifyInstance): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const started = performance.now();
    const res = await app.inject({ method: 'POST', url: '/cds-services/onfh-patient-view', headers: { 'content-type': 'application/json' }, payload: body });
    times.push(performance.now() - started);
    if (res.statusCode !== 200) throw new Error(`hook call answered ${String(res.statusCode)}`);
  }
  return median(times);
}

export async function storeBench(): Promise<StoreBench> {
  const dataDir = mkdtempSync(join(tmpdir(), 'onfh-bench-store-'));
  const config = (env: Record<string, string>) => testConfig({ PSEUDONYM_KEY: 'bench-pseudonym-key-0123456789abcdefgh', RATE_LIMIT_MAX: '1000000', ...env });
  const off = await buildApp(config({}), { now: () => NOW, store: false });
  const on = await buildApp(config({ DATA_DIR: dataDir }), { now: () => NOW, store: process.env['BENCH_STORE_NOFLUSH'] === '1' ? { flushIntervalMs: 3_600_000, maxQueue: 1_000_000 } : {} });
  try {
    const store = on.decisionStore;
    if (store === null) throw new Error('store off');
    await store.ready(120_000);
    for (let i = 0; i < 10_000; i++) store.overrides.note(`other-patient-${String(i)}`, `rules|warning|summary ${String(i)}`, 'right:ARCO 2 / IIb', NOW.getTime());
    await p50(off); // warm-up of both
    await p50(on);
    const offs: number[] = [];
    const ons: number[] = [];
    const added: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const a = await p50(off);
      const b = await p50(on);
      offs.push(a);
      ons.push(b);
      added.push(b - a);
    }
    await store.flush();
    const { db } = store.database();
    const written = await db.selectFrom('decisions').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst();
    return { rounds: ROUNDS, callsPerRound: CALLS, p50OffMs: median(offs), p50OnMs: median(ons), p50AddedMs: median(added), recordsWritten: Number(written?.n ?? 0) };
  } finally {
    await on.close();
    await off.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await storeBench();
  console.log(`store: p50 off ${r.p50OffMs.toFixed(3)} ms, on ${r.p50OnMs.toFixed(3)} ms, added ${r.p50AddedMs.toFixed(3)} ms (median of ${String(r.rounds)} rounds × ${String(r.callsPerRound)} calls; ${String(r.recordsWritten)} records written)`);
  console.log(`  ${r.p50AddedMs <= 0.2 ? 'PASS' : 'FAIL'}  store p50 added ≤ 0.2 ms`);
}
