/**
 * Whatever the engine hands over, the cards keep the CDS Hooks 2.0 and design.md section 1 rules:
 * random Assessments and OrderChecks (fast-check), every card checked with checkCardRules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orderCards, patientViewCards } from '../../src/cards/index.js';
import { checkCardRules } from '../../src/cds-hooks/card.js';
import type { Assessment, HipAssessment, OrderCheck, Recommendation } from '../../src/engine/types.js';
import { ARCO_STAGES, CHINESE_STAGES, MODALITY_IDS } from '../../src/vocabulary/index.js';
import { context } from './fixtures.js';

const text = fc.oneof(
  fc.constantFrom('collapse > 2 mm', 'ARCO 3A', 'hip pain 6/10 | HHS 62', 'line one\nline two', 'x'.repeat(300)),
  fc.string({ minLength: 1, maxLength: 80 }).filter((s) => s.trim() !== ''),
);
const date = fc.integer({ min: 0, max: 800 }).map((d) => new Date(Date.UTC(2025, 0, 1) + d * 86_400_000).toISOString().slice(0, 10));

const recommendation = (modality: (typeof MODALITY_IDS)[number]): fc.Arbitrary<Recommendation> =>
  fc.record({
    modality: fc.constant(modality),
    status: fc.constantFrom('recommended', 'consider', 'no-recommendation', 'not-recommended', 'not-applicable', 'contraindicated'),
    evidence: fc.constantFrom('A', 'B', 'C', 'D'),
    strength: fc.constantFrom(1, 2, 3),
    reasons: fc.array(text, { maxLength: 2 }),
    source: fc.constant('GL2025 Table 6'),
    combinations: fc.option(fc.array(text, { minLength: 1, maxLength: 3 }), { nil: undefined }),
    notes: fc.option(fc.array(text, { minLength: 1, maxLength: 2 }), { nil: undefined }),
  }, { requiredKeys: ['modality', 'status', 'evidence', 'strength', 'reasons', 'source'] });

const hipOf = (side: HipAssessment['side']): fc.Arbitrary<HipAssessment> =>
  fc.record({
    side: fc.constant(side),
    conditions: fc.array(fc.constantFrom('Condition/a', 'Condition/b'), { maxLength: 2 }),
    etiology: fc.constantFrom('non-traumatic', 'traumatic', 'drug-associated'),
    findings: fc.record({ 'necrotic-extent': fc.integer({ min: 0, max: 100 }) }, { requiredKeys: [] }),
    sizeCategory: fc.constantFrom('small', 'medium', 'large', null),
    stage: fc.record({
      arco: fc.constantFrom(...ARCO_STAGES, null),
      chinese: fc.constantFrom(...CHINESE_STAGES, null),
      source: fc.constantFrom('computed', 'recorded', null),
      recorded: fc.constant(null),
    }),
    recommendations: fc.tuple(...MODALITY_IDS.map(recommendation)),
    followUp: fc.record({
      modality: fc.constantFrom('MR', 'CT', 'XR'),
      intervalMonths: fc.constantFrom(3, 6, 12),
      lastStudy: fc.option(date, { nil: null }),
      due: date,
      overdue: fc.boolean(),
      reasons: fc.option(fc.array(text, { minLength: 1, maxLength: 2 }), { nil: undefined }),
    }, { requiredKeys: ['modality', 'intervalMonths', 'lastStudy', 'due', 'overdue'] }),
    surgicalEvaluation: fc.record({ indicated: fc.boolean(), reasons: fc.array(text, { maxLength: 2 }) }),
    progressionRisk: fc.record({ high: fc.boolean(), factors: fc.array(text, { maxLength: 2 }) }),
  });

const sides = fc.constantFrom<HipAssessment['side'][]>(['right'], ['left'], ['unknown'], ['right', 'left'], ['left', 'unknown']);

const assessment: fc.Arbitrary<Assessment> = sides.chain((ss) =>
  fc.record({
    patientId: fc.constant('prop-1'),
    evaluatedAt: fc.constant('2026-11-20'),
    inScope: fc.constant(true),
    rules: fc.constant([{ id: 'gl2025-modalities', version: '2025.1.0' }]),
    replacedHips: fc.constant([]),
    pregnant: fc.boolean(),
    hips: fc.tuple(...ss.map(hipOf)),
    conservativeCare: fc.record({ indicated: fc.boolean(), reasons: fc.array(fc.constantFrom('early-stage', 'bilateral', 'age over 65, pain not severe'), { maxLength: 2 }) }),
    riskFactors: fc.uniqueArray(
      fc.record({ id: fc.constantFrom('corticosteroid-exposure', 'smoking', 'alcohol', 'overweight', 'diabetes', 'site-local'), evidence: text }),
      { selector: (r) => r.id, maxLength: 4 },
    ),
    dataGaps: fc.array(fc.record({
      code: fc.constantFrom('side-unknown', 'staging-findings-missing', 'contralateral-hip-not-imaged', 'crescent-extent-missing', 'stage-outdated'),
      side: fc.constantFrom('left', 'right', 'unknown'),
      message: text,
    }), { maxLength: 3 }),
    reportFindings: fc.constant([]),
    suspectedOnfh: fc.constant([]),
  }));

const check: fc.Arbitrary<OrderCheck> = fc.record({
  check: fc.constantFrom('bisphosphonate', 'systemic-corticosteroid', 'core-decompression', 'eswt', 'minimally-invasive',
    'intra-articular-corticosteroid-injection', 'wheelchair', 'arthroplasty', 'something-new'),
  indicator: fc.constantFrom('info', 'warning', 'critical'),
  order: fc.record({ resourceType: fc.constantFrom('MedicationRequest', 'ServiceRequest', 'DeviceRequest'), id: fc.stringMatching(/^[A-Za-z0-9.-]{1,64}$/), display: text }),
  sides: fc.subarray(['right', 'left'] as const),
  reasons: fc.array(text, { maxLength: 3 }),
  source: fc.constantFrom('GL2025 Table 6', 'GL2025 3.7.1', 'CHRONIC'),
  suggestion: fc.option(fc.constantFrom('delete-draft', 'replace-with-walking-aid'), { nil: undefined }),
  overrideReasons: fc.option(fc.array(fc.record({ code: fc.constantFrom('a', 'b', 'other-indication'), display: text }), { minLength: 1, maxLength: 3 }), { nil: undefined }),
  rule: fc.constant({ id: 'order-checks', version: '2025.1.0' }),
}, { requiredKeys: ['check', 'indicator', 'order', 'sides', 'reasons', 'source', 'rule'] });

// A fixed seed keeps CI deterministic; FUZZ_SEED=<n> explores others (fast-check prints the seed of a failure).
const SEED = Number(process.env.FUZZ_SEED ?? 20261121);

describe('card rules hold for any Assessment', () => {
  it('patient-view: at most four cards, warnings first, one summary, every card valid', () => {
    fc.assert(fc.property(assessment, (a) => {
      const cards = patientViewCards(a, context(a.patientId));
      expect(cards.length).toBeGreaterThanOrEqual(1);
      expect(cards.length).toBeLessThanOrEqual(4);
      for (const card of cards) expect(checkCardRules(card), JSON.stringify(card)).toStrictEqual([]);
      const indicators = cards.map((c) => c.indicator);
      expect(indicators).toStrictEqual([...indicators].sort((x, y) => (x === 'info' ? 1 : 0) - (y === 'info' ? 1 : 0)));
      expect(cards.filter((c) => c.links !== undefined)).toHaveLength(1);
      // No study is suggested twice.
      const loincs = cards.flatMap((c) => c.suggestions ?? []).flatMap((s) => s.actions ?? [])
        .map((x) => JSON.stringify((x.resource?.['code'] as { coding?: unknown } | undefined)?.coding))
        .filter((x) => x.includes('loinc'));
      expect(new Set(loincs).size).toBe(loincs.length);
    }), { numRuns: 300, seed: SEED });
  });

  it('orders: one valid card per check', () => {
    fc.assert(fc.property(assessment, fc.array(check, { maxLength: 4 }), (a, checks) => {
      const cards = orderCards(checks, a, context(a.patientId));
      expect(cards).toHaveLength(checks.length);
      for (const card of cards) expect(checkCardRules(card), JSON.stringify(card)).toStrictEqual([]);
    }), { numRuns: 300, seed: SEED });
  });
});
