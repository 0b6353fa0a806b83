/** Reading FHIR dates (spec 3: "newest wins" needs the date of each observation). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dateOnly } from '../../src/facts/read.js';

/** The definition: a leading YYYY[-MM[-DD]], partial dates taking the first day, impossible months or days refused. */
function byDefinition(x: string): string | null {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(x);
  if (m === null) return null;
  const month = m[2] ?? '01';
  const day = m[3] ?? '01';
  if (month < '01' || month > '12' || day < '01' || day > '31') return null;
  return `${m[1] ?? ''}-${month}-${day}`;
}

describe('dateOnly', () => {
  it('reads dates and dateTimes, partial dates as their first day, and refuses impossible ones', () => {
    expect(dateOnly('2026-11-21')).toBe('2026-11-21');
    expect(dateOnly('2026-11-21T10:30:00+01:00')).toBe('2026-11-21');
    expect(dateOnly('2026-11')).toBe('2026-11-01');
    expect(dateOnly('2026')).toBe('2026-01-01');
    expect(dateOnly('2026-13-01')).toBeNull();
    expect(dateOnly('2026-02-00')).toBeNull();
    expect(dateOnly('21/11/2026')).toBeNull();
    expect(dateOnly(20261121)).toBeNull();
  });
  it('gives the definition’s answer for any text made of date characters', () => {
    const dateish = fc.string({ unit: fc.constantFrom('0', '1', '2', '3', '9', '-', 'T', ':', 'Z', ' ', 'x'), maxLength: 24 });
    const shaped = fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 19 }), fc.integer({ min: 0, max: 39 }), dateish).map(
      ([y, m, d, rest]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}${rest}`,
    );
    fc.assert(
      fc.property(fc.oneof(dateish, shaped), (x) => {
        expect(dateOnly(x)).toBe(byDefinition(x));
      }),
      { numRuns: 3000 },
    );
  });
});
