/**
 * Issue 7 asks for at least 10,000 generated cases in CI within two minutes. Each fuzz test gets a
 * share of those two minutes as its vitest timeout, so a run that passes did its cases in time;
 * the shares sum to 120 s. They follow the durations measured on the 2-core machine when quiet
 * (2026-11-21: arbitrary JSON 1.0 s, text 1.1, patient-view 3.8, order-sign 2.3, order-select 1.0,
 * resources alone 1.6, fetching from a FHIR server 2.3, /assessment 1.3, oversized 0.1, the pure
 * pipeline 4.3-6.5; about 20 s in all), at four to seven times each: room for a loaded CI runner,
 * none for a hang. FUZZ_SCALE scales them with the case counts.
 */
const SCALE = Number(process.env['FUZZ_SCALE'] ?? 1);

const SHARES_MS = {
  arbitraryJson: 7_000,
  arbitraryText: 7_000,
  patientView: 22_000,
  orderSign: 15_000,
  orderSelect: 7_000,
  resourcesAlone: 14_000,
  fetching: 13_000,
  assessment: 9_000,
  oversized: 2_000,
  pipeline: 24_000,
} as const;

/** The two minutes the shares add up to. */
export const FUZZ_BUDGET_MS = Object.values(SHARES_MS).reduce((a, b) => a + b, 0);

/** The vitest timeout of one fuzz test. */
export function fuzzTimeout(test: keyof typeof SHARES_MS): number {
  return Math.round(SHARES_MS[test] * Math.max(1, SCALE));
}
