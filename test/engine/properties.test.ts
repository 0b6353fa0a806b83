/**
 * Properties over random hand-built facts (fast-check): assess never throws, says something about
 * every modality once, and its stages and dates hang together.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_RULES_DIR } from '../../src/config.js';
import { assess } from '../../src/engine/index.js';
import { ARCO_STAGES, MODALITY_IDS } from '../../src/vocabulary/index.js';
import type { LoadedRules } from '../../src/rules/index.js';
import { loadRules } from '../../src/rules/index.js';
import { hip, patient } from './helpers.js';

let rules: LoadedRules;
beforeAll(async () => {
  rules = await loadRules(BUNDLED_RULES_DIR);
});

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const date = fc.integer({ min: 0, max: 1500 }).map((d) => new Date(Date.UTC(2022, 0, 1) + d * 86_400_000).toISOString().slice(0, 10));

const findingsArb = fc.record({
  'necrotic-extent': maybe(fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.constantFrom('small', 'medium', 'large'))),
  'collapse-depth': maybe(fc.double({ min: 0, max: 10, noNaN: true })),
  'subchondral-fracture': maybe(fc.boolean()),
  'crescent-extent': maybe(fc.double({ min: 0, max: 100, noNaN: true })),
  'bone-marrow-edema': maybe(fc.boolean()),
  'joint-space-narrowing': maybe(fc.boolean()),
  'mri-necrosis-sign': maybe(fc.boolean()),
  'xray-abnormal': maybe(fc.boolean()),
  'kerboul-angle': maybe(fc.double({ min: 0, max: 360, noNaN: true })),
  'jic-type': maybe(fc.constantFrom('A', 'B', 'C1', 'C2')),
}, { requiredKeys: [] });

const hipArb = fc.record({
  side: fc.constantFrom('left', 'right', 'unknown'),
  findings: findingsArb.map((f) => Object.fromEntries(Object.entries(f as Record<string, unknown>).filter(([, v]) => v !== undefined)) as typeof f),
  findingDate: date,
  imaging: fc.array(fc.record({ modality: fc.constantFrom('MR', 'CT', 'CR', 'DX', 'NM'), date }), { maxLength: 6 }),
  pain: fc.array(fc.integer({ min: 0, max: 10 }), { maxLength: 3 }),
  diagnosisDate: fc.option(date, { nil: null }),
});

describe('assess over random facts', () => {
  it('never throws; every hip lists each modality once; due follows the newest study', () => {
    fc.assert(
      fc.property(fc.array(hipArb, { minLength: 1, maxLength: 2 }), date, (specs, now) => {
        const a = assess(patient(specs.map((s) => hip({ ...s, imaging: [...s.imaging].sort((x, y) => x.date.localeCompare(y.date)) }))), rules, now);
        for (const h of a.hips) {
          expect(h.recommendations.map((r) => r.modality)).toEqual([...MODALITY_IDS]);
          if (h.stage.arco !== null) expect(ARCO_STAGES).toContain(h.stage.arco);
          if (h.followUp.lastStudy !== null) expect(h.followUp.due > h.followUp.lastStudy).toBe(true);
          expect(h.followUp.overdue).toBe(h.followUp.due <= now);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a deeper collapse never gives a lower ARCO stage', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 10, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const stage = (d: number) => assess(patient([hip({ findings: { 'collapse-depth': d, 'xray-abnormal': true } })]), rules, '2026-11-21').hips[0]?.stage.arco ?? null;
        expect(ARCO_STAGES.indexOf(stage(lo) ?? '1')).toBeLessThanOrEqual(ARCO_STAGES.indexOf(stage(hi) ?? '1'));
      }),
      { numRuns: 200 },
    );
  });
});
