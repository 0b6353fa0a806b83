/**
 * The service as a new user meets it: the bundled rules, the examples/ requests, a fixed clock.
 * POST /assessment, GET /rules, and the hook calls of examples/ through the whole pipeline.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { checkCardRules, type Card } from '../../src/cds-hooks/card.js';
import { BUNDLED_RULES_DIR, testConfig } from '../../src/config.js';

const example = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8'));
const NOW = new Date('2026-11-21T09:30:00Z');

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildApp(testConfig(), { now: () => NOW });
});
afterAll(async () => {
  await app.close();
});

function cardsOf(body: unknown): Card[] {
  const cards = (body as { cards: Card[] }).cards;
  for (const card of cards) expect(checkCardRules(card)).toEqual([]);
  return cards;
}

describe('POST /assessment', () => {
  it('stages the example patient and says when the next radiograph is due', async () => {
    const res = await app.inject({ method: 'POST', url: '/assessment?now=2026-11-21', payload: example('assessment-bundle.json') as object });
    expect(res.statusCode).toBe(200);
    const a = res.json<{ evaluatedAt: string; inScope: boolean; hips: { side: string; stage: object; sizeCategory: string; followUp: object; recommendations: { modality: string; status: string }[] }[] }>();
    expect(a.evaluatedAt).toBe('2026-11-21');
    expect(a.inScope).toBe(true);
    expect(a.hips).toHaveLength(1);
    const right = a.hips[0];
    expect(right?.side).toBe('right');
    expect(right?.stage).toMatchObject({ arco: '2', chinese: 'IIb', source: 'computed' });
    expect(right?.sizeCategory).toBe('medium');
    expect(right?.followUp).toMatchObject({ modality: 'XR', intervalMonths: 3, lastStudy: '2026-06-05', due: '2026-09-05', overdue: true });
    // design.md: every modality of section 5 appears once per hip.
    expect(right?.recommendations).toHaveLength(28);
    expect(right?.recommendations.find((r) => r.modality === 'alendronate')?.status).toBe('not-recommended');
    expect(right?.recommendations.find((r) => r.modality === 'eswt')?.status).toBe('recommended');
  });

  it('evaluates at the server date when no now is given', async () => {
    const res = await app.inject({ method: 'POST', url: '/assessment', payload: example('assessment-bundle.json') as object });
    expect(res.json<{ evaluatedAt: string }>().evaluatedAt).toBe('2026-11-21');
  });

  it('refuses a body that is not a Bundle, naming the problem', async () => {
    const res = await app.inject({ method: 'POST', url: '/assessment', payload: { resourceType: 'Patient', id: 'p1' } });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json())).toMatch(/Bundle/);
  });

  it('refuses a Bundle of two patients', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'Patient', id: 'a' } }, { resource: { resourceType: 'Patient', id: 'b' } }],
    };
    const res = await app.inject({ method: 'POST', url: '/assessment', payload: bundle });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json())).toMatch(/patient/i);
  });

  it('refuses a now that is not a calendar date, naming it', async () => {
    for (const now of ['2026-02-30', 'yesterday', '2026-1-5']) {
      const res = await app.inject({ method: 'POST', url: `/assessment?now=${now}`, payload: example('assessment-bundle.json') as object });
      expect(res.statusCode).toBe(400);
      expect(JSON.stringify(res.json())).toMatch(/now/);
    }
  });
});

describe('GET /rules', () => {
  it('lists every loaded rule file with the SHA-256 of its bytes', async () => {
    const res = await app.inject({ method: 'GET', url: '/rules' });
    expect(res.statusCode).toBe(200);
    const { ruleSets } = res.json<{ ruleSets: { id: string; version: string; status: string; sha256: string; file: string; source: { document: string } }[] }>();
    // One file per rule set (design.md section 2): staging, modalities, indications, follow-up, risk, orders, value sets.
    expect(ruleSets.map((r) => r.id)).toEqual(
      expect.arrayContaining([
        'arco-2019', 'chinese-staging', 'gl2025-modalities', 'core-decompression', 'surgical-evaluation', 'conservative-care',
        'imaging-follow-up', 'risk-factors', 'order-checks', 'onfh-conditions', 'medications',
      ]),
    );
    for (const r of ruleSets) {
      expect(r.version).toMatch(/^20\d\d\.\d+\.\d+$/);
      const bytes = readFileSync(join(BUNDLED_RULES_DIR, r.file));
      expect(r.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(r.source.document.length).toBeGreaterThan(0);
    }
  });
});

describe('hook calls with the examples (what `npm start` + curl shows)', () => {
  it('patient-view: an overdue-imaging warning with a radiograph order, then the summary card', async () => {
    const res = await app.inject({ method: 'POST', url: '/cds-services/onfh-patient-view', payload: example('patient-view.json') as object });
    expect(res.statusCode).toBe(200);
    const cards = cardsOf(res.json());
    expect(cards.map((c) => c.indicator)).toEqual(['warning', 'info']);
    const [overdue, summary] = cards;
    expect(overdue?.summary).toMatch(/overdue/i);
    const order = overdue?.suggestions?.[0]?.actions?.[0];
    expect(order?.type).toBe('create');
    expect(JSON.stringify(order?.resource)).toContain('30770-2'); // LOINC XR pelvis and hip AP + frog lateral (spec 9)
    expect(summary?.summary).toContain('ARCO 2 / Chinese IIb');
    expect(summary?.detail).toMatch(/Not recommended[\s\S]*alendronate/i);
  });

  it('order-sign: the alendronate draft gets a warning whose suggestion deletes that draft', async () => {
    const res = await app.inject({ method: 'POST', url: '/cds-services/onfh-order-sign', payload: example('order-sign-bisphosphonate.json') as object });
    expect(res.statusCode).toBe(200);
    const cards = cardsOf(res.json());
    expect(cards).toHaveLength(1);
    expect(cards[0]?.indicator).toBe('warning');
    expect(cards[0]?.summary).toMatch(/^Remove Alendronate .*: the 2025 guideline recommends against it for ONFH \(A1\)$/);
    expect(cards[0]?.suggestions?.[0]?.actions).toEqual([
      expect.objectContaining({ type: 'delete', resourceId: 'MedicationRequest/draft-alendronate-1' }),
    ]);
    expect(cards[0]?.overrideReasons?.[0]?.display).toMatch(/osteoporosis or another indication/i);
  });

  it('patient-view for a patient without ONFH: no card at all', async () => {
    const res = await app.inject({ method: 'POST', url: '/cds-services/onfh-patient-view', payload: example('patient-view-out-of-scope.json') as object });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ cards: [] });
  });
});
