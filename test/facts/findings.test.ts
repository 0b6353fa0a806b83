/** clinical-spec.md section 3 (findings) and the imaging and score facts of each hip. */
import { describe, expect, it } from 'vitest';
import { extractFacts } from '../../src/facts/index.js';
import { condition, finding, LEFT_HIP, LOINC, NOW, observation, RIGHT_HIP, SNOMED, valueSets } from './helpers.js';

type R = fhir4.FhirResource;
const rightOnfh = condition('c1', 'M87.051');
const facts = (...resources: R[]) => extractFacts({ patientId: 'p1', resources }, valueSets(), NOW);
const hip = (...resources: R[]) => {
  const h = facts(rightOnfh, ...resources).hips[0];
  if (h === undefined) throw new Error('no hip');
  return h;
};

describe('spec 3: status filter', () => {
  it.each(['final', 'amended', 'corrected', 'preliminary'])('status %s is used', (status) => {
    expect(hip(finding('o1', 'xray-abnormal', { valueBoolean: true }, { status })).findings).toEqual({ 'xray-abnormal': true });
  });
  it.each(['entered-in-error', 'cancelled', 'registered', 'unknown', undefined])('status %s is ignored', (status) => {
    expect(hip(finding('o1', 'xray-abnormal', { valueBoolean: true }, { status })).findings).toEqual({});
  });
});

describe('spec 3: the newest observation wins', () => {
  it('by effectiveDateTime, whatever the order in the bundle', () => {
    const h = hip(
      finding('new', 'collapse-depth', { valueQuantity: { value: 3, code: 'mm' } }, { effectiveDateTime: '2026-09-01' }),
      finding('old', 'collapse-depth', { valueQuantity: { value: 1, code: 'mm' } }, { effectiveDateTime: '2026-03-01' }),
    );
    expect(h.findings['collapse-depth']).toBe(3);
    expect(h.findingHistory.map((f) => [f.ref, f.date, f.value])).toEqual([
      ['Observation/old', '2026-03-01', 1],
      ['Observation/new', '2026-09-01', 3],
    ]);
  });

  it('effectivePeriod.start when there is no effectiveDateTime, else issued', () => {
    const h = hip(
      finding('a', 'necrotic-extent', { valueQuantity: { value: 10, code: '%' } }, { effectiveDateTime: undefined, effectivePeriod: { start: '2026-08-01' } }),
      finding('b', 'necrotic-extent', { valueQuantity: { value: 20, code: '%' } }, { effectiveDateTime: undefined, issued: '2026-07-01T09:00:00Z' }),
    );
    expect(h.findings['necrotic-extent']).toBe(10);
    expect(h.findingHistory.map((f) => f.date)).toEqual(['2026-07-01', '2026-08-01']);
  });

  it('an undated observation is the oldest', () => {
    const h = hip(
      finding('dated', 'bone-marrow-edema', { valueBoolean: false }, { effectiveDateTime: '2025-01-01' }),
      finding('undated', 'bone-marrow-edema', { valueBoolean: true }, { effectiveDateTime: undefined }),
    );
    expect(h.findings['bone-marrow-edema']).toBe(false);
    expect(h.findingHistory[0]?.date).toBeNull();
  });

  it('an observation dated after the evaluation date is not yet known', () => {
    const f = facts(rightOnfh, finding('o1', 'joint-space-narrowing', { valueBoolean: true }, { effectiveDateTime: '2026-12-01' }));
    expect(f.hips[0]?.findings).toEqual({});
    expect(f.notes.join('\n')).toContain('Observation/o1');
  });
});

describe('spec 3 and 9: values and units', () => {
  it('cm → mm; UCUM "1" ratio → percent; deg; valueInteger', () => {
    const h = hip(
      finding('a', 'collapse-depth', { valueQuantity: { value: 0.3, unit: 'cm', system: 'http://unitsofmeasure.org', code: 'cm' } }),
      finding('b', 'necrotic-extent', { valueQuantity: { value: 0.29, code: '1' } }),
      finding('c', 'crescent-extent', { valueQuantity: { value: 15, code: '%' } }),
      finding('d', 'kerboul-angle', { valueQuantity: { value: 200, code: 'deg' } }),
      finding('e', 'collapse-depth', { valueInteger: 2 }, { effectiveDateTime: '2026-01-01' }),
    );
    // floating point noise never crosses a boundary: 0.3 cm is 3 mm, 0.29 is 29 %
    expect(h.findings).toEqual({ 'collapse-depth': 3, 'necrotic-extent': 29, 'crescent-extent': 15, 'kerboul-angle': 200 });
  });

  it('boolean findings: valueBoolean, or SNOMED 52101004 present / 2667000 absent', () => {
    const h = hip(
      finding('a', 'subchondral-fracture', { valueCodeableConcept: { coding: [{ system: SNOMED, code: '52101004' }] } }),
      finding('b', 'bone-marrow-edema', { valueCodeableConcept: { coding: [{ system: SNOMED, code: '2667000' }] } }),
      finding('c', 'joint-effusion', { valueBoolean: true }),
      finding('d', 'sclerotic-zone', { valueBoolean: false }),
    );
    expect(h.findings).toEqual({ 'subchondral-fracture': true, 'bone-marrow-edema': false, 'joint-effusion': true, 'sclerotic-zone': false });
  });

  it('jic-type from a code, a text or a string', () => {
    expect(hip(finding('a', 'jic-type', { valueCodeableConcept: { coding: [{ system: 'urn:jic', code: 'C1' }] } })).findings['jic-type']).toBe('C1');
    expect(hip(finding('a', 'jic-type', { valueCodeableConcept: { text: 'type c2' } })).findings['jic-type']).toBe('C2');
    expect(hip(finding('a', 'jic-type', { valueString: 'B' })).findings['jic-type']).toBe('B');
    expect(hip(finding('a', 'jic-type', { valueString: 'D' })).findings['jic-type']).toBeUndefined();
  });

  it('necrotic-extent given only as a category', () => {
    expect(hip(finding('a', 'necrotic-extent', { valueCodeableConcept: { text: 'Medium' } })).findings['necrotic-extent']).toBe('medium');
    expect(hip(finding('a', 'necrotic-extent', { valueString: 'large' })).findings['necrotic-extent']).toBe('large');
  });

  it('boundaries are plausible: 0 and 100 %, 0 mm, 360°', () => {
    const h = hip(
      finding('a', 'necrotic-extent', { valueQuantity: { value: 100, code: '%' } }),
      finding('b', 'crescent-extent', { valueQuantity: { value: 0, code: '%' } }),
      finding('c', 'collapse-depth', { valueQuantity: { value: 0, code: 'mm' } }),
      finding('d', 'kerboul-angle', { valueQuantity: { value: 360, code: 'deg' } }),
    );
    expect(h.findings).toEqual({ 'necrotic-extent': 100, 'crescent-extent': 0, 'collapse-depth': 0, 'kerboul-angle': 360 });
  });

  it.each([
    ['collapse-depth', { valueQuantity: { value: -1, code: 'mm' } }],
    ['necrotic-extent', { valueQuantity: { value: 100.5, code: '%' } }],
    ['necrotic-extent', { valueQuantity: { value: 1.2, code: '1' } }],
    ['kerboul-angle', { valueQuantity: { value: 361, code: 'deg' } }],
  ])('implausible %s %j → data gap, finding unknown', (code, value) => {
    const f = facts(rightOnfh, finding('bad', code, value, { bodySite: RIGHT_HIP }));
    expect(f.hips[0]?.findings).toEqual({});
    expect(f.dataGaps).toEqual([expect.objectContaining({ code: 'implausible-value', finding: code, resource: 'Observation/bad', side: 'right' })]);
  });

  it('an implausible value is a gap of its hip: the only hip when unsided, none for a hip without ONFH', () => {
    const unsided = facts(rightOnfh, finding('u', 'collapse-depth', { valueQuantity: { value: -2, code: 'mm' } }));
    expect(unsided.dataGaps).toEqual([expect.objectContaining({ code: 'implausible-value', side: 'right', resource: 'Observation/u' })]);
    const otherHip = facts(rightOnfh, finding('l', 'collapse-depth', { valueQuantity: { value: -2, code: 'mm' } }, { bodySite: LEFT_HIP }));
    expect(otherHip.dataGaps).toEqual([]);
  });

  it('a finding of both hips goes to each affected hip', () => {
    const f = facts(condition('c1', 'M87.051'), condition('c2', 'M87.052'),
      finding('b', 'bone-marrow-edema', { valueBoolean: false }, { bodySite: { text: 'both hips' } }));
    expect(f.hips.map((h) => h.findings)).toEqual([{ 'bone-marrow-edema': false }, { 'bone-marrow-edema': false }]);
  });

  it('an implausible newest value leaves the older valid one', () => {
    const h = facts(
      rightOnfh,
      finding('ok', 'collapse-depth', { valueQuantity: { value: 1, code: 'mm' } }, { effectiveDateTime: '2026-01-01' }),
      finding('bad', 'collapse-depth', { valueQuantity: { value: -4, code: 'mm' } }, { effectiveDateTime: '2026-05-01' }),
    );
    expect(h.hips[0]?.findings['collapse-depth']).toBe(1);
    expect(h.dataGaps.map((g) => g.code)).toEqual(['implausible-value']);
  });

  it('a unit that is not understood is ignored with a note, not a data gap', () => {
    const f = facts(rightOnfh, finding('in', 'collapse-depth', { valueQuantity: { value: 0.1, code: '[in_i]' } }));
    expect(f.hips[0]?.findings).toEqual({});
    expect(f.dataGaps).toEqual([]);
    expect(f.notes.join('\n')).toContain('Observation/in');
  });

  it('findings in components of one report observation', () => {
    const report = {
      resourceType: 'Observation', id: 'mri', status: 'final', effectiveDateTime: '2026-06-01', bodySite: RIGHT_HIP,
      code: { text: 'MRI hip report' },
      component: [
        { code: { coding: [{ system: 'http://onfh-cds.org/fhir/CodeSystem/onfh-finding', code: 'mri-necrosis-sign' }] }, valueBoolean: true },
        { code: { coding: [{ system: 'http://onfh-cds.org/fhir/CodeSystem/onfh-finding', code: 'necrotic-extent' }] }, valueQuantity: { value: 22, code: '%' } },
      ],
    } as R;
    expect(hip(report).findings).toEqual({ 'mri-necrosis-sign': true, 'necrotic-extent': 22 });
  });
});

describe('imaging studies per hip', () => {
  const study = (id: string, started: string | undefined, series: Record<string, unknown>[], extra: Record<string, unknown> = {}) =>
    ({ resourceType: 'ImagingStudy', id, status: 'available', subject: { reference: 'Patient/p1' }, started, series, ...extra }) as unknown as R;
  const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
  const hipSite = { system: SNOMED, code: '24136001', display: 'Hip joint' };

  it('series laterality and modality decide the hip; oldest first', () => {
    const f = facts(
      condition('c1', 'M87.051'), condition('c2', 'M87.052'),
      study('mr-r', '2026-05-01T10:00:00Z', [{ uid: '1', modality: { system: DCM, code: 'MR' }, bodySite: hipSite, laterality: { system: SNOMED, code: '419465000' } }]),
      study('xr-l', '2026-02-01', [{ uid: '2', modality: { system: DCM, code: 'DX' }, bodySite: hipSite, laterality: { system: SNOMED, code: '7771000' } }]),
      study('ct-r', '2026-01-01', [{ uid: '3', modality: { system: DCM, code: 'CT' }, bodySite: { display: 'Right hip' } }]),
    );
    expect(f.hips.map((h) => [h.side, h.imaging])).toEqual([
      ['right', [{ modality: 'CT', date: '2026-01-01', ref: 'ImagingStudy/ct-r' }, { modality: 'MR', date: '2026-05-01', ref: 'ImagingStudy/mr-r' }]],
      ['left', [{ modality: 'DX', date: '2026-02-01', ref: 'ImagingStudy/xr-l' }]],
    ]);
  });

  it('a pelvis or both-hips study counts for both hips; ImagingStudy.modality when the series has none', () => {
    const f = facts(
      condition('c1', 'M87.051'), condition('c2', 'M87.052'),
      study('pelvis', '2026-03-01', [{ uid: '1', bodySite: { text: 'Pelvis' } }], { modality: [{ system: DCM, code: 'CR' }] }),
      study('pelvis-coded', '2026-03-15', [{ uid: '1', modality: { system: DCM, code: 'CT' }, bodySite: { system: SNOMED, code: '12921003' } }]),
      study('both', '2026-04-01', [{ uid: '1', modality: { code: 'MR' }, bodySite: hipSite, laterality: { system: SNOMED, code: '51440002' } }]),
    );
    for (const h of f.hips) {
      expect(h.imaging.map((i) => [i.modality, i.ref])).toEqual([['CR', 'ImagingStudy/pelvis'], ['CT', 'ImagingStudy/pelvis-coded'], ['MR', 'ImagingStudy/both']]);
    }
  });

  it('an unsided hip study goes to the only affected hip; studies of other body parts, cancelled or undated are not hip imaging', () => {
    const f = facts(
      rightOnfh,
      study('hip', '2026-03-01', [{ uid: '1', modality: { system: DCM, code: 'MR' }, bodySite: hipSite }]),
      study('knee', '2026-03-02', [{ uid: '1', modality: { system: DCM, code: 'MR' }, bodySite: { system: SNOMED, code: '72696002', display: 'Knee' } }]),
      study('cancelled', '2026-03-03', [{ uid: '1', modality: { system: DCM, code: 'MR' }, bodySite: hipSite }], { status: 'cancelled' }),
      study('undated', undefined, [{ uid: '1', modality: { system: DCM, code: 'MR' }, bodySite: hipSite }]),
      study('us', '2026-03-04', [{ uid: '1', modality: { system: DCM, code: 'US' }, bodySite: hipSite }]),
    );
    expect(f.hips[0]?.imaging.map((i) => i.ref)).toEqual(['ImagingStudy/hip']);
    expect(f.imagingBySide).toEqual({ left: [], right: [{ modality: 'MR', date: '2026-03-01', ref: 'ImagingStudy/hip' }] });
  });

  it('a study with no started date takes its earliest series start', () => {
    const f = facts(rightOnfh, study('s', undefined, [
      { uid: '1', started: '2026-04-02T10:00:00Z', modality: { system: DCM, code: 'CT' }, bodySite: hipSite },
      { uid: '2', started: '2026-04-01T10:00:00Z', modality: { system: DCM, code: 'CT' }, bodySite: hipSite },
    ]));
    expect(f.hips[0]?.imaging).toEqual([{ modality: 'CT', date: '2026-04-01', ref: 'ImagingStudy/s' }]);
  });

  it('imagingBySide lists the unaffected hip too (spec 8 contralateral MRI)', () => {
    const f = facts(rightOnfh, study('l', '2026-03-01', [{ uid: '1', modality: { system: DCM, code: 'MR' }, bodySite: hipSite, laterality: { system: SNOMED, code: '419161000' } }]));
    expect(f.hips[0]?.imaging).toEqual([]);
    expect(f.imagingBySide?.left.map((i) => i.ref)).toEqual(['ImagingStudy/l']);
  });
});

describe('pain and Harris Hip Scores per hip', () => {
  const pain = (id: string, value: number, extra: Record<string, unknown> = {}) => observation(id, '72514-3', { valueQuantity: { value } }, extra);

  it('sided scores go to their hip; unsided to every hip; other body sites are not hip pain', () => {
    const f = facts(
      condition('c1', 'M87.051'), condition('c2', 'M87.052'),
      pain('r', 6, { bodySite: RIGHT_HIP, effectiveDateTime: '2026-06-02' }),
      pain('any', 2, { effectiveDateTime: '2026-06-01' }),
      pain('knee', 9, { bodySite: { coding: [{ system: SNOMED, code: '72696002', display: 'Knee region structure' }] } }),
      observation('hhs', '100291-4', { valueInteger: 65 }, { bodySite: LEFT_HIP }),
    );
    expect(f.hips.map((h) => [h.side, h.painScores.map((s) => [s.value, s.ref]), h.harrisScores.map((s) => s.value)])).toEqual([
      ['right', [[2, 'Observation/any'], [6, 'Observation/r']], []],
      ['left', [[2, 'Observation/any']], [65]],
    ]);
  });

  it('knee pain is not hip pain, but is kept as kneePainScores (TCM: "pain (hip or knee)")', () => {
    const f = facts(
      condition('c1', 'M87.051'), condition('c2', 'M87.052'),
      pain('lk', 4, { bodySite: { coding: [{ system: SNOMED, code: '72696002', display: 'Knee' }, { system: SNOMED, code: '7771000', display: 'Left' }] } }),
      pain('k', 3, { bodySite: { text: 'knee' } }),
    );
    expect(f.hips.map((h) => [h.side, h.painScores, h.kneePainScores?.map((s) => s.ref)])).toEqual([
      ['right', [], ['Observation/k']],
      ['left', [], ['Observation/lk', 'Observation/k']],
    ]);
  });

  it('a femur body site is a hip site (spec 9); a knee-described study is not hip imaging', () => {
    const f = facts(rightOnfh,
      pain('f', 3, { bodySite: { coding: [{ system: SNOMED, code: '71341001', display: 'Femur' }, { system: SNOMED, code: '24028007' }] } }),
      { resourceType: 'ImagingStudy', id: 'k', status: 'available', started: '2026-02-01', description: 'MRI right knee',
        modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'MR' }] } as R);
    expect(f.hips[0]?.painScores.map((s) => s.ref)).toEqual(['Observation/f']);
    expect(f.hips[0]?.imaging).toEqual([]);
  });

  it('a body site that names only the side is a hip pain score of that side', () => {
    const f = facts(rightOnfh, pain('r', 5, { bodySite: { coding: [{ system: SNOMED, code: '24028007', display: 'Right' }], text: 'Right' } }));
    expect(f.hips[0]?.painScores.map((s) => s.value)).toEqual([5]);
  });

  it('scores outside 0–10 and 0–100 are implausible', () => {
    const f = facts(rightOnfh, pain('p', 11), observation('h', '100291-4', { valueInteger: -1 }));
    expect(f.hips[0]?.painScores).toEqual([]);
    expect(f.hips[0]?.harrisScores).toEqual([]);
    expect(f.dataGaps.map((g) => [g.code, g.finding])).toEqual([['implausible-value', 'pain'], ['implausible-value', 'harris']]);
  });

  it('an active hip-pain condition M25.55x for this side or unsided', () => {
    const f = facts(condition('c1', 'M87.051'), condition('c2', 'M87.052'), condition('p', 'M25.552'));
    expect(f.hips.map((h) => [h.side, h.hipPainCondition])).toEqual([['right', false], ['left', true]]);
    const g = facts(condition('c1', 'M87.051'), condition('c2', 'M87.052'), condition('p', 'M25.559'));
    expect(g.hips.map((h) => h.hipPainCondition)).toEqual([true, true]);
    const resolved = facts(rightOnfh, condition('p', 'M25.551', { clinicalStatus: { coding: [{ code: 'resolved' }] } }));
    expect(resolved.hips[0]?.hipPainCondition).toBe(false);
  });

  it('the LOINC code is what counts (system checked)', () => {
    const f = facts(rightOnfh, { ...pain('x', 5), code: { coding: [{ system: 'urn:other', code: '72514-3' }] } } as R);
    expect(f.hips[0]?.painScores).toEqual([]);
    expect(LOINC).toBe('http://loinc.org');
  });
});
