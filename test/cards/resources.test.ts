/**
 * The small pieces under the cards: which studies get ordered (clinical-spec.md sections 8, 9),
 * the ICD-10-CM reason a hip implies, and the text helpers.
 */
import { describe, expect, it } from 'vitest';
import { onfhReason, planImaging, type ImagingNeed } from '../../src/cards/resources.js';
import { clip, hipsPhrase, theHips } from '../../src/cards/vocabulary.js';
import { IMAGING_ORDERS } from './fixtures.js';
import type { HipAssessment } from '../../src/engine/types.js';

type Hip = Pick<HipAssessment, 'side' | 'etiology' | 'conditions'>;
const right: Hip = { side: 'right', etiology: 'non-traumatic', conditions: ['Condition/r'] };
const left: Hip = { side: 'left', etiology: 'non-traumatic', conditions: ['Condition/l'] };
const unknown: Hip = { side: 'unknown', etiology: 'non-traumatic', conditions: ['Condition/u'] };
const need = (modality: ImagingNeed['modality'], side: ImagingNeed['side'], forHip: Hip): ImagingNeed => ({ modality, side, forHip });
const plan = (needs: ImagingNeed[]): [string, string, string[]][] =>
  planImaging(needs, IMAGING_ORDERS).orders.map((o) => [o.coding.code, o.name, o.forHips.map((h) => h.side)]);

describe('planImaging: as few orders as possible, each with its LOINC code', () => {
  it('radiographs are always one bilateral series (30770-2, AP and frog-leg lateral)', () => {
    expect(plan([need('XR', 'both', right), need('XR', 'both', left)])).toStrictEqual([
      ['30770-2', 'radiographs of both hips (AP and frog-leg lateral)', ['right', 'left']],
    ]);
  });

  it('MRI: one side 36022-2 / 36020-6; both sides, or a side not recorded, one bilateral 36017-2', () => {
    expect(plan([need('MR', 'right', right)])).toStrictEqual([['36022-2', 'MRI of the right hip', ['right']]]);
    expect(plan([need('MR', 'left', left)])).toStrictEqual([['36020-6', 'MRI of the left hip', ['left']]]);
    expect(plan([need('MR', 'right', right), need('MR', 'left', right)])).toStrictEqual([['36017-2', 'MRI of both hips', ['right']]]);
    expect(plan([need('MR', 'unknown', unknown)])).toStrictEqual([['36017-2', 'MRI of both hips', ['unknown']]]);
  });

  it('CT has no bilateral code: two orders for both hips (36021-4, 36018-0); an unrecorded side cannot be ordered', () => {
    expect(plan([need('CT', 'both', right)])).toStrictEqual([
      ['36021-4', 'CT of the right hip', ['right']],
      ['36018-0', 'CT of the left hip', ['right']],
    ]);
    const { orders, unorderable } = planImaging([need('CT', 'unknown', unknown)], IMAGING_ORDERS);
    expect(orders).toStrictEqual([]);
    expect(unorderable).toStrictEqual([need('CT', 'unknown', unknown)]);
  });
});

describe('onfhReason', () => {
  it('a site that lists its own orderable code first gets it on the order; a study with no code is not offered', () => {
    const site = [{ modality: 'XR' as const, side: 'bilateral' as const, system: 'http://hospital.example.org/cdm', code: 'RAD-HIP-2V' }, ...IMAGING_ORDERS];
    const { orders } = planImaging([need('XR', 'both', right)], site);
    expect(orders.map((o) => o.coding)).toStrictEqual([{ system: 'http://hospital.example.org/cdm', code: 'RAD-HIP-2V' }]);
    expect(planImaging([need('MR', 'right', right)], site.filter((o) => o.modality !== 'MR')).orders).toStrictEqual([]);
  });

  it('SNOMED 203476003 always; ICD-10-CM only where the etiology fixes the code (M87.15x drugs, M87.25x trauma)', () => {
    expect(onfhReason([{ side: 'left', etiology: 'drug-associated', conditions: [] }, { side: 'unknown', etiology: 'traumatic', conditions: [] }, right])).toStrictEqual({
      reasonCode: [
        { coding: [{ system: 'http://snomed.info/sct', code: '203476003', display: 'Avascular necrosis of the head of femur' }, { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M87.152' }], text: 'Osteonecrosis of the left femoral head' },
        { coding: [{ system: 'http://snomed.info/sct', code: '203476003', display: 'Avascular necrosis of the head of femur' }, { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M87.256' }], text: 'Osteonecrosis of the femoral head (side not recorded)' },
        { coding: [{ system: 'http://snomed.info/sct', code: '203476003', display: 'Avascular necrosis of the head of femur' }], text: 'Osteonecrosis of the right femoral head' },
      ],
      reasonReference: [{ reference: 'Condition/r' }],
    });
  });
});

describe('text helpers', () => {
  it('clip keeps a summary under 140 characters, cutting at a word', () => {
    expect(clip('short')).toBe('short');
    const long = `${'word '.repeat(40)}end`;
    expect(clip(long).length).toBeLessThanOrEqual(139);
    expect(clip(long).endsWith('word…')).toBe(true);
  });

  it('hips in running text', () => {
    expect(hipsPhrase(['right'])).toBe('right hip');
    expect(theHips(['right'])).toBe('the right hip');
    expect(theHips(['right', 'left'])).toBe('both hips');
    expect(theHips(['left', 'unknown'])).toBe('the left hip and the hip of unrecorded side');
  });
});
