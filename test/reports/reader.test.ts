/** The report reader (clinical-spec.md 12): what a radiologist's words say about each hip. */
import { describe, expect, it } from 'vitest';
import { LOINC, b64, conclusion, plain, read, report, says, tuples } from './helpers.js';

describe('where the text comes from (design.md 5, 8)', () => {
  it('reads conclusion, conclusionCode, presentedForm (plain, HTML, base64) and result Observations', () => {
    const obs = [
      { resourceType: 'Observation', id: 'o1', status: 'final', code: { coding: [{ system: LOINC, code: '18782-3' }] }, valueString: 'Subchondral fracture of the left femoral head.' },
      { resourceType: 'Observation', id: 'o2', status: 'final', code: { coding: [{ system: LOINC, code: '19005-8' }] }, valueString: 'Left femoral head AVN.' },
    ];
    const r = read([
      report('r1', {
        presentedForm: [{ contentType: 'text/html', data: b64('<h2>Findings</h2><p>Bone marrow <b>edema</b> of the right femoral head.</p>') }],
        result: [{ reference: 'Observation/o1' }, { reference: 'Observation/o2' }],
        conclusion: 'No collapse of the right femoral head.',
        conclusionCode: [{ text: 'Joint effusion of the right hip' }],
      }),
      ...obs,
    ]);
    expect(r.statements.map((s) => [s.side, s.finding, s.certainty, s.section])).toEqual([
      ['right', 'bone-marrow-edema', 'affirmed', 'findings'],
      ['left', 'subchondral-fracture', 'affirmed', 'findings'],
      ['left', 'onfh', 'affirmed', 'impression'],
      ['right', 'collapse-depth', 'negated', 'impression'],
      ['right', 'joint-effusion', 'affirmed', 'impression'],
    ]);
    expect(r.statements[0]).toMatchObject({ report: 'DiagnosticReport/r1', date: '2026-10-02', studyKind: 'MRI', language: 'en', text: 'Bone marrow edema of the right femoral head.' });
    expect(r.notes).toEqual([]);
  });

  it('reads a radiology DocumentReference (LOINC 18748-4) with an inline text attachment, dated by its context', () => {
    const doc = {
      resourceType: 'DocumentReference', id: 'd1', status: 'current', docStatus: 'final',
      type: { coding: [{ system: LOINC, code: '18748-4' }] }, context: { period: { start: '2026-09-01T10:00:00Z' } },
      content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: b64('CT LEFT HIP\nIMPRESSION: Osteonecrosis of the left femoral head with 2 mm collapse.'), title: 'CT left hip' } }],
    };
    const r = read([doc]);
    expect(tuples(r)).toEqual(['left onfh affirmed', 'left collapse-depth affirmed 2']);
    expect(r.statements[0]).toMatchObject({ report: 'DocumentReference/d1', date: '2026-09-01', studyKind: 'CT' });
  });

  it('reads only radiology reports of status final, amended, corrected or preliminary', () => {
    const text = 'Avascular necrosis of the right femoral head.';
    const lab = { ...conclusion(text, { text: 'Hemoglobin' }, 'lab'), category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB' }] }] };
    const rad = { ...conclusion(text, { text: 'Hip' }, 'rad'), category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD' }] }] };
    const coded = { ...conclusion(text, { coding: [{ system: LOINC, code: '36022-2' }] }, 'coded'), category: undefined };
    const r = read([
      lab, rad, coded,
      { ...conclusion(text, undefined, 'ee'), status: 'entered-in-error' },
      { ...conclusion(text, undefined, 'reg'), status: 'registered' },
      { ...conclusion(text, undefined, 'pre'), status: 'preliminary' },
    ]);
    expect([...new Set(r.statements.map((s) => s.report))].sort()).toEqual(['DiagnosticReport/coded', 'DiagnosticReport/pre', 'DiagnosticReport/rad']);
  });
});

describe('sections (clinical-spec.md 12: findings and impression, not history, indication, technique, comparison)', () => {
  it('a question in the history or indication is not a finding; comparison text about a prior study is not either', () => {
    const text = [
      'CLINICAL HISTORY: Steroids. Rule out avascular necrosis of the right hip.',
      'INDICATION: ?AVN left.',
      'TECHNIQUE: Coronal STIR.',
      'COMPARISON: MRI 2025 showed left femoral head collapse.',
      'FINDINGS: No avascular necrosis of the right femoral head.',
      'IMPRESSION: Normal right hip.',
    ].join('\n');
    expect(says(text)).toEqual(['right onfh negated']);
  });

  it('reads Chinese headings: 检查所见 and 诊断意见 kept, 临床病史 dropped', () => {
    const r = read([plain('临床病史：右髋疼痛，排除股骨头坏死。\n检查所见：右侧股骨头见双线征。\n诊断意见：右侧股骨头缺血性坏死。')]);
    expect(r.statements.map((s) => [s.side, s.finding, s.certainty, s.section, s.language])).toEqual([
      ['right', 'mri-necrosis-sign', 'affirmed', 'findings', 'zh'],
      ['right', 'onfh', 'affirmed', 'impression', 'zh'],
    ]);
  });
});

describe('certainty, with a scope that ends at the clause', () => {
  it('"no collapse, but a subchondral fracture" negates only the collapse', () => {
    expect(says('No collapse, but a subchondral fracture of the right femoral head.')).toEqual(['right collapse-depth negated', 'right subchondral-fracture affirmed']);
  });

  it('a negated list keeps its negation across commas and "or"', () => {
    expect(says('Right hip: no joint effusion, bone marrow edema or collapse.')).toEqual(['right bone-marrow-edema negated', 'right collapse-depth negated', 'right joint-effusion negated']);
  });

  it('post triggers and uncertainty: "cannot be excluded", "?", possible, 考虑, 待排', () => {
    expect(says('Subchondral fracture of the left femoral head cannot be excluded.')).toEqual(['left subchondral-fracture uncertain']);
    expect(says('Right femoral head marrow edema ? early AVN.')).toEqual(['right bone-marrow-edema affirmed', 'right onfh uncertain']);
    expect(says('Possible early collapse of the right femoral head.')).toEqual(['right collapse-depth uncertain']);
    expect(says('考虑右侧股骨头坏死。')).toEqual(['right onfh uncertain']);
    expect(says('左侧股骨头坏死待排。')).toEqual(['left onfh uncertain']);
  });

  it('pseudo-triggers do not negate: "no significant change in the osteonecrosis"', () => {
    expect(says('No significant change in the right femoral head osteonecrosis.')).toEqual(['right onfh affirmed']);
  });

  it('resolved edema is negated; 未见塌陷 is negated', () => {
    expect(says('The right femoral head marrow edema has resolved.')).toEqual(['right bone-marrow-edema negated']);
    expect(says('右侧股骨头坏死，未见塌陷。')).toEqual(['right collapse-depth negated', 'right onfh affirmed']);
  });
});

describe('side: sentence, then heading, then the study', () => {
  it('bilateral is one statement per side', () => {
    expect(says('Bilateral femoral head osteonecrosis.')).toEqual(['left onfh affirmed', 'right onfh affirmed']);
    expect(says('双侧股骨头缺血性坏死。')).toEqual(['left onfh affirmed', 'right onfh affirmed']);
  });

  it('each clause its own side', () => {
    expect(says('Avascular necrosis of the right femoral head and bone marrow edema of the left femoral neck.')).toEqual(['left bone-marrow-edema affirmed', 'right onfh affirmed']);
  });

  it('a "Left hip:" heading sides the sentences under it', () => {
    expect(says('FINDINGS:\nLeft hip:\nAvascular necrosis. There is 0.4 cm collapse.\nRight hip: Normal.')).toEqual(['left collapse-depth affirmed 4', 'left onfh affirmed']);
  });

  it('the study code gives the side when the text does not (LOINC 36022-2 MR hip right)', () => {
    expect(says('Osteonecrosis of the femoral head.', { coding: [{ system: LOINC, code: '36022-2' }] })).toEqual(['right onfh affirmed']);
    expect(says('Osteonecrosis of the femoral head.', { text: 'MRI hip' })).toEqual(['unknown onfh affirmed']);
  });
});

describe('values', () => {
  it('mm, cm → mm, % of the femoral head, small/medium/large', () => {
    expect(says('Left femoral head AVN with collapse of 0.3 cm.')).toEqual(['left collapse-depth affirmed 3', 'left onfh affirmed']);
    expect(says('Right femoral head osteonecrosis involving approximately 35% of the femoral head.')).toEqual(['right necrotic-extent affirmed 35', 'right onfh affirmed']);
    expect(says('Small focus of avascular necrosis in the left femoral head.')).toEqual(['left necrotic-extent affirmed small', 'left onfh affirmed']);
    expect(says('右侧股骨头坏死，塌陷约2mm，坏死范围约占30%。')).toEqual(['right collapse-depth affirmed 2', 'right necrotic-extent affirmed 30', 'right onfh affirmed']);
  });

  it('a % of the articular surface or under a bound is not the necrotic extent', () => {
    expect(says('Right femoral head AVN with a crescent sign involving 20% of the articular surface.')).toEqual(['right onfh affirmed', 'right subchondral-fracture affirmed']);
    expect(says('Right femoral head AVN, lesion under 15% of the head.')).toEqual(['right onfh affirmed']);
  });

  it('ARCO stages with subtype and Roman numerals; Ficat, Steinberg and JIC are not ARCO', () => {
    expect(says('Left femoral head AVN, ARCO stage IIIA.')).toEqual(['left arco-stage affirmed 3A', 'left onfh affirmed']);
    expect(says('Left femoral head AVN, ARCO III.')).toEqual(['left arco-stage affirmed 3', 'left onfh affirmed']);
    expect(says('左侧股骨头坏死（ARCO Ⅱ期）。')).toEqual(['left arco-stage affirmed 2', 'left onfh affirmed']);
    expect(says('Ficat stage III osteonecrosis of the left femoral head.')).toEqual(['left onfh affirmed']);
    expect(says('Right femoral head osteonecrosis, JIC type C1, stage 3A.')).toEqual(['right onfh affirmed']);
  });
});

describe('distractors (clinical-spec.md 12)', () => {
  it('knee, spine, sacroiliac, labrum, femoral neck fracture say nothing about the femoral head', () => {
    expect(says('Small right knee effusion.')).toEqual([]);
    expect(says('Bone marrow edema of the L4 vertebral body.')).toEqual([]);
    expect(says('Subchondral bone marrow edema of the right sacroiliac joint.')).toEqual([]);
    expect(says('Right femoral neck fracture.')).toEqual([]);
    expect(says('Osteonecrosis of the right humeral head.')).toEqual([]);
  });

  it('a hip with a prosthesis has no femoral head: nothing of that side is read', () => {
    expect(says('Left total hip arthroplasty in situ. No effusion on the left. Right femoral head avascular necrosis.')).toEqual(['right onfh affirmed']);
    expect(says('左侧人工髋关节置换术后。右侧股骨头坏死。')).toEqual(['right onfh affirmed']);
  });
});

describe('languages', () => {
  it('a report in two languages reads each sentence in its own', () => {
    const r = read([plain('Right femoral head avascular necrosis.\n左侧股骨头未见坏死。')]);
    expect(r.statements.map((s) => [s.side, s.finding, s.certainty, s.language])).toEqual([
      ['right', 'onfh', 'affirmed', 'en'],
      ['left', 'onfh', 'negated', 'zh'],
    ]);
  });
});
