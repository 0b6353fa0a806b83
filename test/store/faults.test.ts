/**
 * The store failing in every way issue 20 names, against a real PostgreSQL (one server for the
 * file) and PGlite: down at start, lost mid-run, slow (1 s per answer), a full disk under DATA_DIR,
 * two service processes writing at once. Each time: every hook call is answered with its cards
 * while the store cannot keep up, nothing acknowledged is lost, and what was dropped is counted.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { startServiceProcess } from '../support/service-process.js';
import { startSlowProxy, type SlowProxy } from '../support/slow-proxy.js';
import { ADMIN_TOKEN, PSEUDONYM_KEY, defined, storeOf, hook, overrideOf, patientView, pgliteDataDir, storeApp, tempDir } from './helpers.js';

let server: PostgresServer;
let databases = 0;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server.destroy();
});

const count = async (database: string, table = 'decisions') => Number((await server.query<{ n: string }>(database, `select count(*) as n from ${table}`))[0]?.n);

async function eventually(check: () => Promise<boolean> | boolean, what: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const metric = async (app: FastifyInstance, name: string) => {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  return text.split('\n').find((l) => l.startsWith(name))?.split(' ').at(-1);
};

const feedbackStatus = async (app: FastifyInstance, card: Parameters<typeof overrideOf>[0]) =>
  (await app.inject({ method: 'POST', url: '/cds-services/onfh-patient-view/feedback', payload: { feedback: [overrideOf(card, 'imaging-scheduled')] } })).statusCode;

function logCapture() {
  const lines: Record<string, unknown>[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logStream };
}

describe('PostgreSQL faults', () => {
  it('down at start: hook calls answer with cards, feedback is refused (503), and once it is up everything queued is written', async () => {
    const url = await server.createDatabase(`faults_${++databases}`);
    const database = `faults_${databases}`;
    await server.stop();
    const { lines, logStream } = logCapture();
    const app = await storeApp({ databaseUrl: url }, { logStream }, { LOG_LEVEL: 'info' });
    try {
      const answered = [];
      for (let i = 0; i < 5; i++) answered.push(await hook(app, patientView()));
      expect(answered.every((cards) => cards.length === 2)).toBe(true);
      expect(app.decisionStore?.state).not.toBe('up');
      expect(await feedbackStatus(app, defined(answered[0]?.[0], 'first card'))).toBe(503);
      expect(await metric(app, 'onfh_store_up')).toBe('0');
      await server.start();
      await eventually(async () => app.decisionStore?.state === 'up' && (await count(database).catch(() => 0)) === 5, '5 decisions written');
      expect(await feedbackStatus(app, defined(answered[0]?.[0], 'first card'))).toBe(200);
      expect(await count(database, 'feedback')).toBe(1);
      const downLines = lines.filter((l) => l.event === 'store.down');
      expect(downLines.length).toBeGreaterThan(0);
      expect(JSON.stringify(lines)).not.toContain('onfh-ex-1');
    } finally {
      await app.close();
      if (!(await fetchable())) await server.start();
    }
  });

  it('lost mid-run: calls go on, acknowledged feedback stays, the queue is written after the restart', async () => {
    const database = `faults_${++databases}`;
    const app = await storeApp({ databaseUrl: await server.createDatabase(database) });
    try {
      await app.decisionStore?.ready();
      const first = await hook(app, patientView());
      expect(await feedbackStatus(app, defined(first[0], 'first card'))).toBe(200);
      await app.decisionStore?.flush();
      await server.stop();
      for (let i = 0; i < 3; i++) expect(await hook(app, patientView('onfh-ex-2'))).toHaveLength(2);
      await eventually(() => app.decisionStore?.state === 'down', 'store marked down');
      await server.start();
      await eventually(async () => (await count(database).catch(() => 0)) === 4, '4 decisions written');
      expect(await count(database, 'feedback')).toBe(1);
      // Suppression went on from memory throughout.
      expect((await hook(app, patientView())).map((c) => c.uuid)).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  describe('slow: every answer of the database 1 s late', () => {
    let proxy: SlowProxy;
    beforeAll(async () => {
      proxy = await startSlowProxy(server.port);
    });
    afterAll(() => proxy.close());

    it('hook calls answer before their records are written; feedback waits and is stored', async () => {
      const database = `faults_${++databases}`;
      await server.createDatabase(database);
      const app = await storeApp({ databaseUrl: `postgres://postgres@127.0.0.1:${proxy.port}/${database}` });
      try {
        await app.decisionStore?.ready();
        proxy.delayMs = 1000;
        const cards = [];
        for (let i = 0; i < 10; i++) cards.push(await hook(app, patientView()));
        // Ten answers came back while the first batch (≥ 1 s) cannot have been written yet.
        expect(cards.every((c) => c.length === 2)).toBe(true);
        expect(await count(database)).toBeLessThan(10);
        expect(await feedbackStatus(app, defined(cards[0]?.[0], 'first card'))).toBe(200);
        await eventually(async () => (await count(database)) === 10, '10 decisions written');
        expect(await count(database, 'feedback')).toBe(1);
      } finally {
        proxy.delayMs = 0;
        await app.close();
      }
    });
  });

  it('a queue past its bound drops the oldest records, counts them in /metrics and logs it without patient data', async () => {
    const { lines, logStream } = logCapture();
    const app = await storeApp(
      { databaseUrl: `postgres://postgres@127.0.0.1:1/none` },
      { logStream, store: { maxQueue: 3, flushIntervalMs: 20, retryMaxMs: 200 } },
      { LOG_LEVEL: 'info' },
    );
    try {
      const before = Number((await metric(app, 'onfh_store_dropped_records_total{reason="queue-full"}')) ?? 0);
      for (let i = 0; i < 5; i++) await hook(app, patientView());
      await eventually(() => app.decisionStore?.pending === 3, 'three queued');
      expect(Number(await metric(app, 'onfh_store_dropped_records_total{reason="queue-full"}')) - before).toBe(2);
      expect(lines.filter((l) => l.event === 'store.dropped' && l.reason === 'queue-full')).toHaveLength(2);
      expect(JSON.stringify(lines)).not.toContain('onfh-ex-1');
    } finally {
      await app.close();
    }
  });

  it('two service processes write to one PostgreSQL at once (both migrate at start): every record of both is there', async () => {
    const database = `faults_${++databases}`;
    const url = await server.createDatabase(database);
    const env = { DATABASE_URL: url, PSEUDONYM_KEY, ADMIN_TOKEN };
    const [a, b] = await Promise.all([startServiceProcess(env), startServiceProcess(env)] as const);
    const call = (base: string, i: number) =>
      fetch(`${base}/cds-services/onfh-patient-view`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(patientView(`onfh-p-${i}`)) }).then(
        async (r) => ((await r.json()) as { cards: unknown[] }).cards.length,
      );
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => call((i % 2 === 0 ? a : b).base, i)));
    expect(answers.every((n) => n === 2)).toBe(true);
    expect(await Promise.all([a.terminate(), b.terminate()])).toEqual([0, 0]);
    expect(await count(database)).toBe(40);
    expect(await count(database, 'decision_cards')).toBe(80);
    expect(await count(database, 'kysely_migration')).toBe(1);
  });
});

async function fetchable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: server.url() });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

describe('PGlite faults', () => {
  it('SIGTERM after 20 calls: all 20 decision records are there after a restart', async () => {
    const dataDir = await pgliteDataDir();
    const env = { DATA_DIR: dataDir, PSEUDONYM_KEY, ADMIN_TOKEN };
    const first = await startServiceProcess(env);
    for (let i = 0; i < 20; i++) {
      const r = await fetch(`${first.base}/cds-services/onfh-patient-view`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(patientView()) });
      expect(((await r.json()) as { cards: unknown[] }).cards).toHaveLength(2);
    }
    expect(await first.terminate()).toBe(0);
    const second = await startServiceProcess(env);
    try {
      const decisions = () => fetch(`${second.base}/admin/api/decisions?from=2020-01-01&to=2099-12-31&limit=1000`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      // 503 until the second process has opened DATA_DIR (in the background, after /readyz).
      await eventually(async () => (await decisions()).status === 200, 'the restarted store answers', 60_000);
      expect(((await (await decisions()).json()) as { decisions: unknown[] }).decisions).toHaveLength(20);
      expect(first.output()).not.toContain('"event":"store.dropped"');
      expect(first.output()).toMatch(/"event":"store.closed","writtenAtShutdown":\d+,"dropped":0/);
    } finally {
      await second.terminate();
    }
  }, 120_000);

  // A real full disk: DATA_DIR on a small tmpfs, filled up. Needs mount (root, as in CI); skipped otherwise.
  const canMount = (() => {
    try {
      const dir = tempDir('onfh-mount-');
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
      execFileSync('umount', [dir], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!canMount)('a full disk under DATA_DIR: hook calls answer, feedback is refused (503), writes resume once space is freed', async () => {
    const mountPoint = tempDir('onfh-full-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', mountPoint]);
    const app = await storeApp({ dataDir: await pgliteDataDir(mountPoint) });
    try {
      await app.decisionStore?.ready(60_000);
      const shown = await hook(app, patientView());
      await app.decisionStore?.flush();
      const filler = join(mountPoint, 'filler');
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1M', 'count=200'], { stdio: 'ignore' });
      } catch {
        // dd stops at "No space left on device": the disk is full now.
      }
      writeFileSync(join(mountPoint, 'probe'), '');
      for (let i = 0; i < 30; i++) expect(await hook(app, patientView('onfh-ex-2'))).toHaveLength(2);
      await eventually(async () => (await feedbackStatus(app, defined(shown[0], 'warning card'))) === 503, 'feedback refused on a full disk', 30_000);
      rmSync(filler);
      await eventually(() => app.decisionStore?.state === 'up' && app.decisionStore.pending === 0, 'queue written after space freed', 60_000);
      const { db } = storeOf(app).database();
      const rows = await db.selectFrom('decisions').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst();
      expect(Number(rows?.n)).toBe(31);
      expect(await feedbackStatus(app, defined(shown[0], 'warning card'))).toBe(200);
    } finally {
      await app.close();
      execFileSync('umount', ['-l', mountPoint]);
    }
  }, 180_000);
});
