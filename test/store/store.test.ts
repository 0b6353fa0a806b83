/**
 * The decision store on both backends, through the HTTP service: PGlite in a temp DATA_DIR, and a
 * real PostgreSQL server started for this file (test/support/postgres.ts). Same assertions on both.
 */
import { createHmac } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_RULES_DIR } from '../../src/config.js';
import { loadRules } from '../../src/rules/index.js';
import type { FeedbackSummary } from '../../src/store/analytics.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { NOW, PSEUDONYM_KEY, admin, defined, storeOf, hook, orderSign, overrideOf, patientView, pgliteDataDir, storeApp, tempDir, type CardOut } from './helpers.js';

interface DecisionsOut {
  decisions: {
    service: string;
    hookInstance: string | null;
    patientKey: string;
    latencyMs: number;
    ruleSets: { id: string }[];
    cards: { uuid: string; summary: string; indicator: string; rules: { id: string }[]; feedback: { outcome: string; reason: { code: string } | null }[] }[];
  }[];
}

const DAY = 86_400_000;
const RANGE = 'from=2026-11-01&to=2026-12-31';
let pg: PostgresServer | undefined;
let databases = 0;

beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await pg?.destroy();
});

const backends = [
  { name: 'PGlite', where: async () => ({ dataDir: await pgliteDataDir() }) },
  { name: 'PostgreSQL', where: async () => ({ databaseUrl: await defined(pg, 'PostgreSQL').createDatabase(`store_${++databases}`) }) },
];

const feedback = (app: FastifyInstance, items: unknown[], service = 'onfh-patient-view') =>
  app.inject({ method: 'POST', url: `/cds-services/${service}/feedback`, payload: { feedback: items } });

describe.each(backends)('decision store on $name', ({ where }) => {
  let nowMs = NOW.getTime();
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await storeApp(await where(), { now: () => new Date(nowMs) });
    await app.decisionStore?.ready();
  });
  afterAll(() => app.close());

  const decisions = async () => {
    await app.decisionStore?.flush();
    return (await admin<DecisionsOut>(app, `/admin/api/decisions?${RANGE}`)).decisions;
  };

  let shown: CardOut[] = [];
  it('records each hook call that returns cards: service, hookInstance, pseudonymous patient key, cards, rule sets, latency', async () => {
    const body = patientView();
    shown = await hook(app, body);
    expect(shown.map((c) => c.summary)).toEqual([
      'Order radiographs: follow-up of the right hip overdue since 2026-09-05',
      expect.stringMatching(/^Conservative care: right hip ONFH, ARCO 2 \/ Chinese IIb/),
    ]);
    const [d] = await decisions();
    expect(d).toMatchObject({ service: 'onfh-patient-view', hookInstance: body.hookInstance });
    expect(d?.patientKey).toBe(createHmac('sha256', PSEUDONYM_KEY).update('onfh-ex-1').digest('hex'));
    expect(d?.cards.map((c) => [c.uuid, c.indicator, c.summary])).toEqual(shown.map((c) => [c.uuid, c.indicator, c.summary]));
    expect(d?.cards[0]?.rules.map((r) => r.id)).toContain('imaging-follow-up');
    expect(d?.ruleSets.map((r) => r.id)).toContain('arco-2019');
    expect(d?.latencyMs).toBeGreaterThan(0);
    expect(JSON.stringify(await decisions())).not.toContain('onfh-ex-1');
  });

  it('stores feedback against the card, and keeps feedback for an unknown card, flagged', async () => {
    const warning = defined(shown[0], 'warning card');
    const res = await feedback(app, [overrideOf(warning, 'imaging-scheduled'), { card: '0b1d7c55-9a4c-4b8e-a1f0-5b8f0e0c2d11', outcome: 'accepted', acceptedSuggestions: [{ id: 'x' }], outcomeTimestamp: NOW.toISOString() }]);
    expect(res.statusCode).toBe(200);
    const card = (await decisions())[0]?.cards.find((c) => c.uuid === warning.uuid);
    expect(card?.feedback).toHaveLength(1);
    expect(card?.feedback[0]).toMatchObject({ outcome: 'overridden', reason: { code: 'imaging-scheduled' } });
    const rows = await storeOf(app).database().db.selectFrom('feedback').select(['card_uuid', 'known_card', 'user_comment']).orderBy('id').execute();
    expect(rows).toEqual([
      { card_uuid: warning.uuid, known_card: true, user_comment: 'told by the patient' },
      { card_uuid: '0b1d7c55-9a4c-4b8e-a1f0-5b8f0e0c2d11', known_card: false, user_comment: null },
    ]);
  });

  it('does not show the overridden card again to that patient; shows the others, and shows it to another patient', async () => {
    const again = await hook(app, patientView());
    expect(again.map((c) => c.summary)).toEqual([defined(shown[1], 'info card').summary]);
    const other = await hook(app, patientView('onfh-ex-2'));
    expect(other.map((c) => c.summary)).toEqual(shown.map((c) => c.summary));
  });

  it('shows it again when the stage of that hip changed', async () => {
    const body = patientView();
    // Wherever the prefetch template puts it (the keys follow the US Core categories).
    const entries = Object.values(body.prefetch as Record<string, { entry?: { resource: { id: string; valueBoolean?: boolean } }[] } | null>).flatMap((b) => b?.entry ?? []);
    const fracture = defined(entries.find((e) => e.resource.id === 'onfh-ex-1-subchondral-fracture-right-2026-06-05'), 'the fracture finding');
    fracture.resource.valueBoolean = true;
    const cards = await hook(app, body);
    expect(cards.find((c) => /\bright hip ONFH\b/i.test(c.summary))?.summary).toMatch(/ARCO 3/);
    expect(cards.some((c) => c.summary.startsWith('Order radiographs: follow-up'))).toBe(true);
  });

  it('shows it again after OVERRIDE_QUIET_DAYS (30)', async () => {
    nowMs = NOW.getTime() + 29 * DAY;
    expect((await hook(app, patientView())).some((c) => c.summary.startsWith('Order radiographs: follow-up'))).toBe(false);
    nowMs = NOW.getTime() + 30 * DAY + 1000;
    expect((await hook(app, patientView())).some((c) => c.summary.startsWith('Order radiographs: follow-up'))).toBe(true);
    nowMs = NOW.getTime();
  });

  it('summarises feedback per rule set as design.md section 6 says', async () => {
    const orderCards = await hook(app, orderSign(), 'onfh-order-sign');
    expect(orderCards).toHaveLength(1);
    expect((await feedback(app, [overrideOf(defined(orderCards[0], 'order card'), 'other-indication')], 'onfh-order-sign')).statusCode).toBe(200);
    await app.decisionStore?.flush();
    const summary = await admin<FeedbackSummary>(app, `/admin/api/feedback-summary?${RANGE}`);
    const cardsShown = (await decisions()).reduce((n, d) => n + d.cards.length, 0);
    expect(summary.totals).toEqual({ shown: cardsShown, accepted: 1, overridden: 2 });
    expect(summary.rules.find((r) => r.rule === 'order-checks')).toEqual({
      rule: 'order-checks',
      version: expect.any(String) as string,
      shown: cardsShown, // every patient-view card lists order-checks among its rule sets, and so does the order card
      accepted: 0,
      overridden: 2,
      reasons: { 'imaging-scheduled': 1, 'other-indication': 1 },
    });
    expect(Object.keys(summary).sort()).toEqual(['from', 'rules', 'to', 'totals']);
  });

  it('deletes decisions older than DECISION_RETENTION_DAYS, their cards with them', async () => {
    nowMs = NOW.getTime() + 432 * DAY; // the newest decision above is from day 30
    const removed = await storeOf(app).applyRetention();
    nowMs = NOW.getTime();
    expect(removed.decisions).toBeGreaterThan(0);
    expect(await decisions()).toEqual([]);
    const cards = await storeOf(app).database().db.selectFrom('decision_cards').select('uuid').execute();
    expect(cards).toEqual([]);
  });
});

describe('overrideQuietDays in a rule set', () => {
  it('is refused by the loader when not a whole number of days', async () => {
    const dir = tempDir('onfh-rules-');
    cpSync(BUNDLED_RULES_DIR, dir, { recursive: true });
    const file = join(dir, 'follow-up', 'imaging-follow-up.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), overrideQuietDays: -3 }));
    await expect(loadRules(dir)).rejects.toThrow(/imaging-follow-up\.json.*overrideQuietDays/s);
  });

  it('sets the quiet time of that rule set’s cards', async () => {
    const dir = tempDir('onfh-rules-');
    cpSync(BUNDLED_RULES_DIR, dir, { recursive: true });
    const file = join(dir, 'follow-up', 'imaging-follow-up.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), overrideQuietDays: 7 }));
    const rules = await loadRules(dir);
    expect(rules.sets.find((s) => s.id === 'imaging-follow-up')?.overrideQuietDays).toBe(7);
    let nowMs = NOW.getTime();
    // PostgreSQL: a new database is cheaper than a new PGlite cluster.
    const app = await storeApp({ databaseUrl: await defined(pg, 'PostgreSQL').createDatabase('quiet_days') }, { rules, now: () => new Date(nowMs) });
    try {
      await app.decisionStore?.ready();
      const [warning] = await hook(app, patientView());
      await app.inject({ method: 'POST', url: '/cds-services/onfh-patient-view/feedback', payload: { feedback: [overrideOf(defined(warning, 'warning card'), 'patient-declined')] } });
      nowMs += 6 * DAY;
      expect((await hook(app, patientView())).map((c) => c.uuid)).toHaveLength(1);
      nowMs += 2 * DAY;
      expect((await hook(app, patientView())).map((c) => c.summary)).toContain(defined(warning, 'warning card').summary);
    } finally {
      await app.close();
    }
  });
});
