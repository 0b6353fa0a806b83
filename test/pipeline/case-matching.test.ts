/** The case runner's fragment matching (issue: how expect / expectNot compare with the Assessment). */
import { describe, expect, it } from 'vitest';
import type { CaseFailure } from '../../src/pipeline/cases.js';
import { matchAbsent, matchFragment } from '../../src/pipeline/cases.js';

const actual = {
  inScope: true,
  hips: [
    { side: 'left', recommendations: [{ modality: 'eswt', status: 'recommended' }, { modality: 'prp', status: 'consider' }], surgicalEvaluation: { reasons: [] } },
    { side: 'right', recommendations: [{ modality: 'eswt', status: 'not-applicable' }], surgicalEvaluation: { reasons: ['x'] } },
  ],
  dataGaps: [{ code: 'xray-missing', side: 'left', message: 'm' }],
  riskFactors: [],
};

const fragment = (expected: unknown): CaseFailure[] => { const out: CaseFailure[] = []; matchFragment(expected, actual, '$', out); return out; };
const absent = (expected: unknown): CaseFailure[] => { const out: CaseFailure[] = []; matchAbsent(expected, actual, '$', out); return out; };

describe('matchFragment', () => {
  it('pairs hips by side and recommendations by modality, ignoring keys not named', () => {
    expect(fragment({ hips: [{ side: 'right', recommendations: [{ modality: 'eswt', status: 'not-applicable' }] }] })).toEqual([]);
    const f = fragment({ hips: [{ side: 'left', recommendations: [{ modality: 'eswt', status: 'consider' }] }] });
    expect(f).toEqual([expect.objectContaining({ path: '$.hips[side=left].recommendations[modality=eswt].status', expected: 'consider', actual: 'recommended' })]);
  });

  it('an empty array means none; data gaps pair by code and side; primitives are contained', () => {
    expect(fragment({ riskFactors: [] })).toEqual([]);
    expect(fragment({ dataGaps: [] })).toHaveLength(1);
    expect(fragment({ dataGaps: [{ code: 'xray-missing', side: 'left' }] })).toEqual([]);
    expect(fragment({ dataGaps: [{ code: 'xray-missing', side: 'right' }] })[0]?.message).toBe('no element with code=xray-missing,side=right');
    expect(fragment({ hips: [{ side: 'right', surgicalEvaluation: { reasons: ['x'] } }] })).toEqual([]);
    expect(fragment({ hips: [{ side: 'left' }, { side: 'unknown' }] })).toHaveLength(1);
  });
});

describe('matchAbsent (expectNot)', () => {
  it('selects the hip by side, then the recommendation must not match', () => {
    expect(absent({ hips: [{ side: 'right', recommendations: [{ modality: 'eswt', status: 'recommended' }] }] })).toEqual([]);
    expect(absent({ hips: [{ side: 'left', recommendations: [{ modality: 'eswt', status: 'recommended' }] }] })).toHaveLength(1);
  });

  it('an element without nested arrays must match no actual element', () => {
    expect(absent({ dataGaps: [{ code: 'stage-outdated' }] })).toEqual([]);
    expect(absent({ dataGaps: [{ code: 'xray-missing' }] })[0]?.path).toBe('$.dataGaps');
  });
});
