/** Order-entry checks (clinical-spec.md section 11) on hand-built facts and draft orders. */
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_RULES_DIR } from '../../src/config.js';
import { checkOrders, evaluate } from '../../src/engine/index.js';
import type { DraftOrderFact, PatientFacts, Side } from '../../src/engine/patient-facts.js';
import type { LoadedRules } from '../../src/rules/index.js';
import { loadRules } from '../../src/rules/index.js';
import { addMonths, ageOn, monthsBetween, monthsElapsed } from '../../src/engine/dates.js';
import { hip, patient } from './helpers.js';

let rules: LoadedRules;
beforeAll(async () => {
  rules = await loadRules(BUNDLED_RULES_DIR);
});

const NOW = '2026-11-21';
const order = (kind: string, resourceType = 'ServiceRequest', side: Side | null = null): DraftOrderFact => ({
  resourceType, id: `draft-${kind}`, kind, matchedBy: 'code', side, display: kind,
});
const run = (facts: PatientFacts, ...orders: DraftOrderFact[]) => checkOrders(evaluate(facts, rules, NOW), orders, rules);

const preCollapse = hip({ side: 'left', findings: { 'xray-abnormal': true, 'necrotic-extent': 10 }, pain: [3] });
const collapsed = hip({ side: 'right', findings: { 'collapse-depth': 3 } });

describe('checkOrders', () => {
  it('bisphosphonate: warning with delete suggestion; info when the patient has osteoporosis', () => {
    const [w] = run(patient([preCollapse]), order('alendronate', 'MedicationRequest'));
    expect(w).toMatchObject({ check: 'bisphosphonate', indicator: 'warning', suggestion: 'delete-draft', sides: ['left'], source: 'GL2025 Table 6' });
    expect(w?.overrideReasons?.map((r) => r.display)).toContain('Prescribed for osteoporosis or another indication');
    const [i] = run(patient([preCollapse], { osteoporosis: true }), order('zoledronic-acid', 'MedicationRequest'));
    expect(i?.indicator).toBe('info');
  });

  it('core decompression: warning with the reason on the collapsed hip the order names; nothing for an unrelated order', () => {
    const checks = run(patient([preCollapse, collapsed]), order('core-decompression', 'ServiceRequest', 'right'));
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ check: 'core-decompression', indicator: 'warning', sides: ['right'] });
    expect(checks[0]?.reasons).toContain('collapse > 2 mm');
    expect(run(patient([preCollapse]), order('crutch', 'DeviceRequest'))).toEqual([]);
  });

  it('an unsided order is checked against every affected hip and names the hips concerned', () => {
    const [c] = run(patient([preCollapse, collapsed]), order('prp'));
    expect(c).toMatchObject({ check: 'minimally-invasive', indicator: 'warning', sides: ['right'] });
  });

  it('arthroplasty: info only when every affected hip is pre-collapse', () => {
    expect(run(patient([preCollapse]), order('total-hip-arthroplasty'))[0]).toMatchObject({ check: 'arthroplasty', indicator: 'info' });
    expect(run(patient([preCollapse, collapsed]), order('total-hip-arthroplasty'))).toEqual([]);
  });

  it('wheelchair: info suggesting a walking aid; nothing at all out of scope', () => {
    expect(run(patient([preCollapse]), order('wheelchair', 'DeviceRequest'))[0]).toMatchObject({ indicator: 'info', suggestion: 'replace-with-walking-aid' });
    expect(run(patient([]), order('wheelchair', 'DeviceRequest'))).toEqual([]);
  });
});

describe('calendar months (clinical-spec.md 8)', () => {
  it('adds months with the day clamped to the month end', () => {
    expect(addMonths('2026-08-31', 3)).toBe('2026-11-30');
    expect(addMonths('2025-11-30', 3)).toBe('2026-02-28');
    expect(addMonths('2026-11-21', 12)).toBe('2027-11-21');
  });
  it('counts whole and fractional months, and age in whole years', () => {
    expect(monthsBetween('2026-05-21', '2026-11-21')).toBe(6);
    expect(monthsBetween('2026-05-22', '2026-11-21')).toBe(5);
    expect(monthsElapsed('2026-05-21', '2026-11-21')).toBe(6);
    expect(monthsElapsed('2026-05-20', '2026-11-21')).toBeGreaterThan(6);
    expect(ageOn('1961-11-22', NOW)).toBe(64);
    expect(ageOn('1961-11-21', NOW)).toBe(65);
  });
});
