/** Repeat-card suppression's pure part: which override silences which card, and for how long. */
import { describe, expect, it } from 'vitest';
import { OverrideCache, quietDaysOf, ruleKeyOf, stageOf } from '../../src/store/suppression.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-21T12:00:00Z');
const rules = [{ id: 'imaging-follow-up', version: '2025.2.0' }, { id: 'arco-2019', version: '2025.1.0' }];
const hips = [{ side: 'right', stage: 'ARCO 2 / IIb' }, { side: 'left', stage: 'ARCO 1 / I' }];
const card = (summary: string, hipStages = hips) => ({ ruleKey: ruleKeyOf({ indicator: 'warning', summary }, rules), stage: stageOf(summary, hipStages), rules });

describe('stageOf', () => {
  it('takes the hip the summary names, else every hip', () => {
    expect(stageOf('Right hip ONFH: ARCO 2 / Chinese IIb', hips)).toBe('right:ARCO 2 / IIb');
    expect(stageOf('Follow-up imaging overdue', hips)).toBe('left:ARCO 1 / I;right:ARCO 2 / IIb');
    expect(stageOf('Left hip ONFH', [])).toBe('');
  });
});

describe('OverrideCache', () => {
  const cache = new OverrideCache(quietDaysOf(new Map([['arco-2019', 10]]), 30));
  const overdue = card('Follow-up imaging overdue');
  const right = card('Right hip ONFH: ARCO 2');
  cache.note('patient-a', overdue.ruleKey, overdue.stage, T0);
  cache.note('patient-a', right.ruleKey, right.stage, T0);

  it('silences the overridden card for that patient only, and no other card', () => {
    expect(cache.isQuiet('patient-a', overdue, T0 + DAY)).toBe(true);
    expect(cache.isQuiet('patient-b', overdue, T0 + DAY)).toBe(false);
    expect(cache.isQuiet('patient-a', card('Follow-up imaging overdue: MRI due 2027-01-01'), T0 + DAY)).toBe(false);
  });

  it('uses the shortest overrideQuietDays of the card’s rule sets (10 here, default 30)', () => {
    expect(cache.isQuiet('patient-a', overdue, T0 + 10 * DAY - 1)).toBe(true);
    expect(cache.isQuiet('patient-a', overdue, T0 + 10 * DAY)).toBe(false);
  });

  it('shows the card again when the stage of its hip changed, not when the other hip’s did', () => {
    const leftChanged = [{ side: 'right', stage: 'ARCO 2 / IIb' }, { side: 'left', stage: 'ARCO 2 / IIa' }];
    expect(cache.isQuiet('patient-a', card('Right hip ONFH: ARCO 2', leftChanged), T0 + DAY)).toBe(true);
    expect(cache.isQuiet('patient-a', card('Follow-up imaging overdue', leftChanged), T0 + DAY)).toBe(false);
    const rightChanged = [{ side: 'right', stage: 'ARCO 3A / IIIa' }, { side: 'left', stage: 'ARCO 1 / I' }];
    expect(cache.isQuiet('patient-a', card('Right hip ONFH: ARCO 2', rightChanged), T0 + DAY)).toBe(false);
  });

  it('keeps the newest override of a card and forgets those past the longest quiet time', () => {
    const c = new OverrideCache(() => 30);
    c.note('p', overdue.ruleKey, overdue.stage, T0 + 5 * DAY);
    c.note('p', overdue.ruleKey, overdue.stage, T0);
    expect(c.isQuiet('p', overdue, T0 + 33 * DAY)).toBe(true);
    c.prune(T0 + 40 * DAY, 30);
    expect(c.size).toBe(0);
  });
});
