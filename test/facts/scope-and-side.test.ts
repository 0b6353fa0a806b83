/** clinical-spec.md sections 1 (who is in scope) and 2 (side). */
import { describe, expect, it } from 'vitest';
import { extractFacts } from '../../src/facts/index.js';
import { condition, finding, LEFT_HIP, NOW, patient, RIGHT_HIP, SNOMED, valueSets } from './helpers.js';

type R = fhir4.FhirResource;
const facts = (...resources: R[]) => extractFacts({ patientId: 'p1', resources }, valueSets(), NOW);

describe('spec 1: in scope', () => {
  it('an ONFH condition puts the patient in scope, with one hip', () => {
    const f = facts(patient, condition('c1', 'M87.051'));
    expect(f.inScope).toBe(true);
    expect(f.hips.map((h) => [h.side, h.conditions])).toEqual([['right', ['Condition/c1']]]);
    expect(f.birthDate).toBe('1970-05-02');
    expect(f.sex).toBe('male');
  });

  it('matches ICD-10-CM codes with or without the dot, in any case', () => {
    expect(facts(condition('c1', 'M87051')).hips[0]?.side).toBe('right');
    expect(facts(condition('c1', 'm87.052')).hips[0]?.side).toBe('left');
  });

  it('no ONFH condition: out of scope, no hips', () => {
    const f = facts(patient, condition('c1', 'E11.9'));
    expect(f.inScope).toBe(false);
    expect(f.hips).toEqual([]);
    expect(f.diabetes).toBe(true);
  });

  it.each([
    ['refuted', { verificationStatus: { coding: [{ code: 'refuted' }] } }, false],
    ['entered-in-error', { verificationStatus: { coding: [{ code: 'entered-in-error' }] } }, false],
    ['confirmed', { verificationStatus: { coding: [{ code: 'confirmed' }] } }, true],
    ['provisional', { verificationStatus: { coding: [{ code: 'provisional' }] } }, true],
    ['clinical active', { clinicalStatus: { coding: [{ code: 'active' }] } }, true],
    ['clinical recurrence', { clinicalStatus: { coding: [{ code: 'recurrence' }] } }, true],
    ['clinical relapse', { clinicalStatus: { coding: [{ code: 'relapse' }] } }, true],
    ['clinical resolved', { clinicalStatus: { coding: [{ code: 'resolved' }] } }, false],
    ['clinical inactive', { clinicalStatus: { coding: [{ code: 'inactive' }] } }, false],
    ['clinical remission', { clinicalStatus: { coding: [{ code: 'remission' }] } }, false],
  ])('status %s → in scope %s', (_label, extra, inScope) => {
    expect(facts(condition('c1', 'M87.051', extra)).inScope).toBe(inScope);
  });

  it.each(['M87.050', 'M87.150', 'M87.250', 'M87.350', 'M87.850'])('%s (pelvis, not the femoral head) is not ONFH', (code) => {
    expect(facts(condition('c1', code)).inScope).toBe(false);
  });

  it.each(['203476003', '29281007', '444849002'])('SNOMED %s is ONFH', (code) => {
    expect(facts(condition('c1', code, { bodySite: [RIGHT_HIP] }, SNOMED)).hips[0]?.side).toBe('right');
  });

  it.each(['111255008', '239872002'])('SNOMED %s (Perthes, hip osteoarthritis) is never ONFH', (code) => {
    expect(facts(condition('c1', code, { bodySite: [RIGHT_HIP] }, SNOMED)).inScope).toBe(false);
  });

  it.each(['397758007', '398199007'])('SNOMED %s (necrosis of bone) counts only with a hip body site', (code) => {
    expect(facts(condition('c1', code, {}, SNOMED)).inScope).toBe(false);
    expect(facts(condition('c1', code, { bodySite: [{ coding: [{ system: SNOMED, code: '72696002', display: 'Knee region structure' }] }] }, SNOMED)).inScope).toBe(false);
    expect(facts(condition('c1', code, { bodySite: [LEFT_HIP] }, SNOMED)).hips[0]?.side).toBe('left');
    expect(facts(condition('c1', code, { bodySite: [{ text: 'Right femoral head' }] }, SNOMED)).hips[0]?.side).toBe('right');
  });

  it('WHO ICD-10 M87.05 is ONFH with no laterality', () => {
    const f = facts(condition('c1', 'M87.05', {}, 'http://hl7.org/fhir/sid/icd-10'));
    expect(f.hips.map((h) => h.side)).toEqual(['unknown']);
  });
});

describe('spec 2: side of a condition', () => {
  it.each([
    ['M87.051', 'right'], ['M87.052', 'left'], ['M87.151', 'right'], ['M87.152', 'left'],
    ['M87.251', 'right'], ['M87.252', 'left'], ['M87.351', 'right'], ['M87.352', 'left'], ['M87.851', 'right'], ['M87.852', 'left'],
  ])('%s → %s (ICD-10-CM laterality character)', (code, side) => {
    expect(facts(condition('c1', code)).hips.map((h) => h.side)).toEqual([side]);
  });

  it.each(['M87.059', 'M87.159', 'M87.256', 'M87.353', 'M87.859'])('%s (unspecified femur) with no body site → unknown + side-unknown', (code) => {
    const f = facts(condition('c1', code));
    expect(f.hips.map((h) => h.side)).toEqual(['unknown']);
    expect(f.dataGaps).toContainEqual(expect.objectContaining({ code: 'side-unknown', side: 'unknown', resource: 'Condition/c1' }));
  });

  it('the ICD-10-CM character wins over the body site', () => {
    expect(facts(condition('c1', 'M87.051', { bodySite: [LEFT_HIP] })).hips.map((h) => h.side)).toEqual(['right']);
  });

  it('unspecified code: a laterality qualifier coding of the body site decides', () => {
    const f = facts(condition('c1', 'M87.059', { bodySite: [LEFT_HIP] }));
    expect(f.hips.map((h) => h.side)).toEqual(['left']);
    expect(f.dataGaps).toEqual([]);
  });

  it('unspecified code: body site text or display that says right/left decides', () => {
    expect(facts(condition('c1', 'M87.059', { bodySite: [{ text: 'Left hip' }] })).hips[0]?.side).toBe('left');
    expect(facts(condition('c1', 'M87.059', { bodySite: [{ coding: [{ system: 'urn:local', code: 'RH', display: 'RIGHT femoral head' }] }] })).hips[0]?.side).toBe('right');
    // "upright" does not say right
    expect(facts(condition('c1', 'M87.059', { bodySite: [{ text: 'hip, upright film' }] })).hips[0]?.side).toBe('unknown');
  });

  it('unspecified code: a post-coordinated SNOMED body site, or a laterality extension on it', () => {
    const expression = { coding: [{ system: SNOMED, code: '24136001:272741003=7771000' }] };
    expect(facts(condition('c1', 'M87.059', { bodySite: [expression] })).hips[0]?.side).toBe('left');
    const extension = {
      coding: [{ system: SNOMED, code: '24136001' }],
      extension: [{ url: 'http://example.org/laterality', valueCodeableConcept: { coding: [{ system: SNOMED, code: '24028007' }] } }],
    };
    expect(facts(condition('c1', 'M87.059', { bodySite: [extension] })).hips[0]?.side).toBe('right');
  });

  it('a condition coded for both sides, or with a bilateral body site, affects both hips', () => {
    const both = condition('c1', 'M87.059', { bodySite: [{ coding: [{ system: SNOMED, code: '24136001' }, { system: SNOMED, code: '51440002' }] }] });
    expect(facts(both).hips.map((h) => [h.side, h.conditions])).toEqual([['right', ['Condition/c1']], ['left', ['Condition/c1']]]);
    const twoCodes = { resourceType: 'Condition', id: 'c2', code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M87.051' }, { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M87.052' }] } } as R;
    expect(facts(twoCodes).hips.map((h) => h.side)).toEqual(['right', 'left']);
  });

  it('etiology: M87.1x drug-associated, M87.2x traumatic, else non-traumatic', () => {
    expect(facts(condition('c1', 'M87.151')).hips[0]?.etiology).toBe('drug-associated');
    expect(facts(condition('c1', 'M87.252')).hips[0]?.etiology).toBe('traumatic');
    expect(facts(condition('c1', 'M87.351')).hips[0]?.etiology).toBe('non-traumatic');
    expect(facts(condition('c1', '203476003', {}, SNOMED)).hips[0]?.etiology).toBe('non-traumatic');
  });

  it('both hips affected: two hips, right first; diagnosis date is the earliest onset, else recordedDate', () => {
    const f = facts(
      condition('c1', 'M87.052', { recordedDate: '2026-03-01' }),
      condition('c2', 'M87.051', { onsetDateTime: '2026-05-10T10:00:00Z', recordedDate: '2026-01-01' }),
      condition('c3', 'M87.051', { onsetDateTime: '2026-04-01' }),
    );
    expect(f.hips.map((h) => [h.side, h.conditions, h.diagnosisDate])).toEqual([
      ['right', ['Condition/c2', 'Condition/c3'], '2026-04-01'],
      ['left', ['Condition/c1'], '2026-03-01'],
    ]);
  });
});

describe('spec 2: unsided findings', () => {
  const necrosis = (id: string, extra: Record<string, unknown> = {}) => finding(id, 'mri-necrosis-sign', { valueBoolean: true }, extra);

  it('go to the only affected hip', () => {
    const f = facts(condition('c1', 'M87.052'), necrosis('o1'));
    expect(f.hips[0]?.findings).toEqual({ 'mri-necrosis-sign': true });
  });

  it('are ignored with finding-side-unknown when both hips are affected', () => {
    const f = facts(condition('c1', 'M87.051'), condition('c2', 'M87.052'), necrosis('o1'));
    expect(f.hips.map((h) => h.findings)).toEqual([{}, {}]);
    expect(f.dataGaps).toEqual([expect.objectContaining({ code: 'finding-side-unknown', finding: 'mri-necrosis-sign', resource: 'Observation/o1' })]);
  });

  it('a sided and an unsided condition make two hips (right, unknown): an unsided finding is then ambiguous', () => {
    const f = facts(condition('c1', 'M87.051'), condition('c2', 'M87.059'), necrosis('o1'), necrosis('o2', { bodySite: RIGHT_HIP }));
    expect(f.hips.map((h) => [h.side, h.findings])).toEqual([['right', { 'mri-necrosis-sign': true }], ['unknown', {}]]);
    expect(f.dataGaps.map((g) => [g.code, g.resource])).toEqual([['side-unknown', 'Condition/c2'], ['finding-side-unknown', 'Observation/o1']]);
  });

  it('sided findings go to their own hip only', () => {
    const f = facts(condition('c1', 'M87.051'), condition('c2', 'M87.052'), necrosis('o1', { bodySite: LEFT_HIP }));
    expect(f.hips.map((h) => [h.side, h.findings])).toEqual([['right', {}], ['left', { 'mri-necrosis-sign': true }]]);
  });
});
