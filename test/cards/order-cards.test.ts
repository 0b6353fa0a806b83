/**
 * order-select / order-sign cards: one per OrderCheck (clinical-spec.md section 11). Expected cards
 * written from the spec; reasons and override reasons are those of rules/order-checks.
 */
import { describe, expect, it } from 'vitest';
import { orderCards } from '../../src/cards/index.js';
import { checkCardRules, type Card } from '../../src/cds-hooks/card.js';
import type { Assessment, OrderCheck } from '../../src/engine/types.js';
import { GUIDELINE_URL, context, followUp, hip, orderCheck, patient, stage, u } from './fixtures.js';

const SNOMED = 'http://snomed.info/sct';
const OVERRIDE = 'http://onfh-cds.org/fhir/CodeSystem/override-reason';
// clinical-spec.md 14: the label names the guideline only (versions in the extension)
const SOURCE = { label: 'Non-surgical ONFH guideline 2025', url: GUIDELINE_URL };
const EXTENSION = { 'onfh-cds/rules': [{ id: 'order-checks', version: '2025.1.0' }] };
const ONFH = { system: SNOMED, code: '203476003', display: 'Avascular necrosis of the head of femur' };
const JUDGEMENT = { code: 'clinician-judgement', display: 'Clinical judgement: benefits outweigh the risk for this patient' };
const SPECIALIST = { code: 'specialist-advised', display: 'Advised by the treating orthopaedic specialist' };

const unilateral: Assessment = patient({
  patientId: 'o1',
  hips: [hip({ side: 'right', stage: stage('2', 'IIb'), sizeCategory: 'medium', followUp: followUp({ modality: 'XR', lastStudy: '2026-10-01', due: '2027-01-01' }) })],
});

const bilateral: Assessment = patient({
  patientId: 'o2',
  hips: [
    hip({ side: 'right', stage: stage('3B', 'IVb'), phase: 'post-collapse', followUp: followUp({ modality: 'XR', lastStudy: '2026-10-01', due: '2027-01-01' }) }),
    hip({ side: 'left', stage: stage('1', 'Ia'), followUp: followUp({ modality: 'MR', lastStudy: '2026-10-01', due: '2027-01-01' }) }),
  ],
});

function cardsFor(checks: OrderCheck[], a: Assessment = unilateral): Card[] {
  const cards = orderCards(checks, a, context(a.patientId));
  for (const card of cards) expect(checkCardRules(card), card.summary).toStrictEqual([]);
  return cards;
}

const alendronate = orderCheck({
  check: 'bisphosphonate',
  indicator: 'warning',
  order: { resourceType: 'MedicationRequest', id: 'draft-alendronate', display: 'alendronate 70 mg tablet' },
  reasons: ['Zoledronic acid and alendronate do not improve ONFH outcomes: not recommended for ONFH (GL2025 Table 6, A1 against)'],
  suggestion: 'delete-draft',
  overrideReasons: [
    { code: 'other-indication', display: 'Prescribed for osteoporosis or another indication' },
    JUDGEMENT,
    SPECIALIST,
  ],
});

const wheelchair = orderCheck({
  check: 'wheelchair',
  indicator: 'info',
  order: { resourceType: 'DeviceRequest', id: 'draft-wheelchair', display: 'wheelchair' },
  reasons: ['Wheelchairs are not recommended in ONFH; protected weight bearing with crutches, a cane or a walking frame is (GL2025 3.7.1)'],
  source: 'GL2025 3.7.1',
  suggestion: 'replace-with-walking-aid',
});

describe('order cards', () => {
  it('bisphosphonate draft: warning, delete suggestion naming MedicationRequest/<id>, "another indication" override first', () => {
    expect(cardsFor([alendronate])).toStrictEqual([{
      uuid: u(1),
      summary: 'Remove alendronate 70 mg tablet unless for another indication: the 2025 guideline recommends against it for ONFH (A1)',
      detail: [
        '- Zoledronic acid and alendronate do not improve ONFH outcomes: not recommended for ONFH (GL2025 Table 6, A1 against)',
        '',
        'GL2025 Table 6 recommends against zoledronic acid and alendronate for ONFH (A1). This does not concern their use for osteoporosis or another indication.',
        '',
        '_Source: GL2025 Table 6._',
      ].join('\n'),
      indicator: 'warning',
      source: SOURCE,
      suggestions: [{
        label: 'Remove the draft order: alendronate 70 mg tablet',
        uuid: u(2),
        actions: [{ type: 'delete', description: 'Remove the draft order: alendronate 70 mg tablet', resourceId: 'MedicationRequest/draft-alendronate' }],
      }],
      selectionBehavior: 'at-most-one',
      overrideReasons: [
        { system: OVERRIDE, code: 'other-indication', display: 'Prescribed for osteoporosis or another indication' },
        { system: OVERRIDE, ...JUDGEMENT },
        { system: OVERRIDE, ...SPECIALIST },
      ],
      links: [{ label: 'Guideline (GL2025 Table 6)', url: GUIDELINE_URL, type: 'absolute' }],
      extension: EXTENSION,
    }]);
  });

  it('order text that names an Object.prototype member ("constructor", "toString") is just text (found by property testing)', () => {
    for (const display of ['constructor', 'toString', '__proto__']) {
      const [card] = cardsFor([{ ...alendronate, order: { ...alendronate.order, display } }]);
      expect(card?.summary.startsWith(`Remove ${display} unless for another indication: the 2025 guideline recommends against it for ONFH`)).toBe(true);
    }
  });

  it('a draft with no id still gets its warning, but no delete button that could not name it (found by fuzzing)', () => {
    const noId = { ...alendronate, order: { ...alendronate.order, id: '' } };
    const [card] = cardsFor([noId]);
    expect(card?.indicator).toBe('warning');
    expect(card?.summary).toMatch(/recommends against it for ONFH/);
    expect(card?.suggestions).toBeUndefined();
    expect(card?.selectionBehavior).toBeUndefined();
    const chair = cardsFor([{ ...wheelchair, order: { ...wheelchair.order, id: 'has/slash' } }])[0];
    expect(chair?.suggestions?.map((sg) => sg.actions?.map((a) => a.type))).toStrictEqual([['create'], ['create']]);
  });

  it('bisphosphonate with osteoporosis on record: info, no suggestion, the override reason still offered', () => {
    const zoledronic = orderCheck({
      check: 'bisphosphonate',
      indicator: 'info',
      order: { resourceType: 'MedicationRequest', id: 'draft-zoledronic', display: 'zoledronic acid 5 mg/100 mL infusion' },
      reasons: [
        'Zoledronic acid and alendronate do not improve ONFH outcomes: not recommended for ONFH (GL2025 Table 6, A1 against)',
        'The patient has osteoporosis, which may be the indication for this order',
      ],
    });
    expect(cardsFor([zoledronic])).toStrictEqual([{
      uuid: u(1),
      summary: 'Keep zoledronic acid 5 mg/100 mL infusion for osteoporosis only: the 2025 guideline recommends against it for ONFH (A1)',
      detail: [
        '- Zoledronic acid and alendronate do not improve ONFH outcomes: not recommended for ONFH (GL2025 Table 6, A1 against)',
        '- The patient has osteoporosis, which may be the indication for this order',
        '',
        'GL2025 Table 6 recommends against zoledronic acid and alendronate for ONFH (A1). This does not concern their use for osteoporosis or another indication.',
        '',
        '_Source: GL2025 Table 6._',
      ].join('\n'),
      indicator: 'info',
      source: SOURCE,
      overrideReasons: [{ system: OVERRIDE, code: 'other-indication', display: 'Prescribed for osteoporosis or another indication' }],
      links: [{ label: 'Guideline (GL2025 Table 6)', url: GUIDELINE_URL, type: 'absolute' }],
      extension: EXTENSION,
    }]);
  });

  it('systemic corticosteroid: warning citing GL2025 3.3.2, dose advice marked as the service\'s own', () => {
    const prednisone = orderCheck({
      check: 'systemic-corticosteroid',
      indicator: 'warning',
      order: { resourceType: 'MedicationRequest', id: 'draft-prednisone', display: 'prednisone 20 mg tablet' },
      reasons: ['Corticosteroids are the leading cause of non-traumatic ONFH: use the lowest effective dose for the shortest course'],
      source: 'GL2025 3.3.2',
      overrideReasons: [{ code: 'no-alternative', display: 'No steroid-sparing alternative for the indication' }, JUDGEMENT, SPECIALIST],
    });
    expect(cardsFor([prednisone])).toStrictEqual([{
      uuid: u(1),
      summary: 'Use the lowest effective dose and shortest course of prednisone 20 mg tablet: corticosteroids are a common cause of ONFH',
      detail: [
        '- Corticosteroids are the leading cause of non-traumatic ONFH: use the lowest effective dose for the shortest course',
        '',
        'GL2025 3.3.2 names long-term corticosteroid use among the common precipitating factors of non-traumatic ONFH. Lowest effective dose and shortest course: advice of this service, not graded by GL2025.',
        '',
        '_Source: GL2025 3.3.2._',
      ].join('\n'),
      indicator: 'warning',
      source: SOURCE,
      overrideReasons: [
        { system: OVERRIDE, code: 'no-alternative', display: 'No steroid-sparing alternative for the indication' },
        { system: OVERRIDE, ...JUDGEMENT },
        { system: OVERRIDE, ...SPECIALIST },
      ],
      links: [{ label: 'Guideline (GL2025 3.3.2)', url: GUIDELINE_URL, type: 'absolute' }],
      extension: EXTENSION,
    }]);
  });

  it('wheelchair: two replacements (crutches 74566002, walking frame 266731002), each deleting the wheelchair draft first', () => {
    const deleteWheelchair = { type: 'delete', description: 'Remove the draft order: wheelchair', resourceId: 'DeviceRequest/draft-wheelchair' };
    const device = (code: string, text: string): Record<string, unknown> => ({
      resourceType: 'DeviceRequest',
      status: 'draft',
      intent: 'order',
      codeCodeableConcept: { coding: [{ system: SNOMED, code }], text },
      subject: { reference: 'Patient/o1' },
      reasonCode: [{ coding: [ONFH], text: 'Osteonecrosis of the right femoral head' }],
      reasonReference: [{ reference: 'Condition/onfh-right' }],
    });
    expect(cardsFor([wheelchair])).toStrictEqual([{
      uuid: u(1),
      summary: 'Replace wheelchair with crutches or a walking frame: wheelchairs are not recommended in ONFH',
      detail: [
        '- Wheelchairs are not recommended in ONFH; protected weight bearing with crutches, a cane or a walking frame is (GL2025 3.7.1)',
        '',
        'GL2025 3.7.1: self-management includes protective weight bearing and assistive devices (canes, crutches, walking frames); wheelchairs are not recommended.',
        '',
        '_Source: GL2025 3.7.1._',
      ].join('\n'),
      indicator: 'info',
      source: SOURCE,
      suggestions: [
        {
          label: 'Order crutches instead',
          uuid: u(2),
          actions: [deleteWheelchair, { type: 'create', description: 'Create a draft order: crutches', resource: device('74566002', 'Crutches') }],
        },
        {
          label: 'Order a walking frame instead',
          uuid: u(3),
          actions: [deleteWheelchair, { type: 'create', description: 'Create a draft order: walking frame', resource: device('266731002', 'Walking frame') }],
        },
      ],
      selectionBehavior: 'at-most-one',
      links: [{ label: 'Guideline (GL2025 3.7.1)', url: GUIDELINE_URL, type: 'absolute' }],
      extension: EXTENSION,
    }]);
  });

  it.each<[string, OrderCheck, Card['indicator'], string]>([
    ['core decompression on a collapsed hip', orderCheck({
      check: 'core-decompression', indicator: 'warning', sides: ['right'], source: 'GL2025 Table 4',
      order: { resourceType: 'ServiceRequest', id: 'draft-cd', display: 'core decompression of the femoral head' },
      reasons: ['Core decompression is contraindicated for this hip', 'collapse > 2 mm'],
      overrideReasons: [JUDGEMENT, SPECIALIST],
    }), 'warning', 'Reconsider core decompression of the femoral head: contraindicated for the right hip — collapse > 2 mm'],
    ['core decompression to consider', orderCheck({
      check: 'core-decompression', indicator: 'info', sides: ['left'], source: 'GL2025 Table 4; SMALL',
      order: { resourceType: 'ServiceRequest', id: 'draft-cd', display: 'core decompression of the femoral head' },
      reasons: ['Core decompression is an option to weigh for this hip, not a firm recommendation', 'ARCO 3A'],
    }), 'info', 'Weigh core decompression of the femoral head for the left hip: an option, not a firm recommendation'],
    ['ESWT beyond Chinese stage II', orderCheck({
      check: 'eswt', indicator: 'warning', sides: ['right'], source: 'GL2025 Tables 4, 7',
      order: { resourceType: 'ServiceRequest', id: 'draft-eswt', display: 'extracorporeal shock wave therapy' },
      reasons: ['ESWT is for Chinese stage I–II; this hip is beyond stage II'],
      overrideReasons: [JUDGEMENT, SPECIALIST],
    }), 'warning', 'Reconsider extracorporeal shock wave therapy: ESWT is for Chinese stage I–II, and the right hip is beyond it'],
    ['cell therapy with an active malignancy', orderCheck({
      check: 'minimally-invasive', indicator: 'warning', sides: ['right', 'left'], source: 'GL2025 Tables 4, 9',
      order: { resourceType: 'ServiceRequest', id: 'draft-bmac', display: 'BMAC injection' },
      reasons: ['Contraindicated: active malignancy'],
      overrideReasons: [JUDGEMENT, SPECIALIST],
    }), 'warning', 'Reconsider BMAC injection (both hips): not advised — active malignancy'],
    ['intra-articular corticosteroid injection', orderCheck({
      check: 'intra-articular-corticosteroid-injection', indicator: 'info', source: 'CHRONIC',
      order: { resourceType: 'ServiceRequest', id: 'draft-ia', display: 'hip joint corticosteroid injection' },
      reasons: ['Intra-articular corticosteroid injection of the hip: approach cautiously, efficacy is variable and it may affect the joint structure'],
    }), 'info', 'Weigh hip joint corticosteroid injection with caution: variable efficacy in ONFH, may harm the joint'],
    ['total hip arthroplasty while every hip is pre-collapse', orderCheck({
      check: 'arthroplasty', indicator: 'info', sides: ['right', 'left'], source: 'GL2025 3.7',
      order: { resourceType: 'ServiceRequest', id: 'draft-tha', display: 'total hip replacement' },
      reasons: ['Pre-collapse (Chinese stage I–III): non-surgical and hip-preserving options come first'],
    }), 'info', 'Consider hip-preserving options before total hip replacement: both hips are pre-collapse'],
    ['a right-sided total hip arthroplasty when only the right hip is pre-collapse names that hip (C4)', orderCheck({
      check: 'arthroplasty', indicator: 'info', sides: ['right'], source: 'GL2025 3.7',
      order: { resourceType: 'ServiceRequest', id: 'draft-tha', display: 'total hip replacement, right' },
      reasons: ['Pre-collapse (Chinese stage I–III): non-surgical and hip-preserving options come first'],
    }), 'info', 'Consider hip-preserving options before total hip replacement, right: the right hip is pre-collapse'],
    ['a check this module has no wording for', orderCheck({
      check: 'site-local-check', indicator: 'warning', sides: ['left'], source: 'Site policy 12',
      order: { resourceType: 'ServiceRequest', id: 'draft-x', display: 'local procedure' },
      reasons: ['Needs sign-off by the hip team'],
    }), 'warning', 'Review local procedure (left hip): Needs sign-off by the hip team'],
  ])('%s', (_name, check, indicator, summary) => {
    const [card, ...rest] = cardsFor([check], bilateral);
    expect(rest).toStrictEqual([]);
    expect(card?.indicator).toBe(indicator);
    expect(card?.summary).toBe(summary);
    expect(card?.suggestions).toBeUndefined();
    expect(card?.detail.split('\n').slice(0, check.reasons.length)).toStrictEqual(check.reasons.map((r) => `- ${r}`));
    // A patient with two affected hips is told which hip the order concerns.
    if (check.sides.length > 0) expect(card?.detail).toContain(check.sides.length === 2 ? 'Concerns both hips.' : `Concerns the ${check.sides[0] ?? ''} hip.`);
    expect(card?.detail.endsWith(`_Source: ${check.source}._`)).toBe(true);
  });

  it.each<[string, string, OrderCheck['check'], string[], string]>([
    ['eswt', 'right', 'eswt', ['ESWT is for Chinese stage I–II; this hip is beyond stage II'], 'Reconsider ESWT: ESWT is for Chinese stage I–II, and the right hip is beyond it'],
    ['prp', 'right', 'minimally-invasive', ['Femoral head collapse: the minimally invasive interventions are for pre-collapse hips (Chinese stage I–III)'],
      'Reconsider PRP injection (right hip): not advised — post-collapse'],
    ['core-decompression', 'left', 'core-decompression', ['Core decompression is contraindicated for this hip', 'collapse > 2 mm'],
      'Reconsider core decompression: contraindicated for the left hip — collapse > 2 mm'],
  ])('a draft labelled only by its code %s reads as a display name, not the raw id (C3)', (display, side, check, reasons, summary) => {
    const [card] = cardsFor([orderCheck({
      check, indicator: 'warning', sides: [side as 'left' | 'right'], reasons, source: check === 'eswt' ? 'GL2025 Tables 4, 7' : check === 'core-decompression' ? 'GL2025 Table 4' : 'GL2025 Tables 4, 9',
      order: { resourceType: 'ServiceRequest', id: 'd', display },
    })], bilateral);
    expect(card?.summary).toBe(summary);
  });

  it('a BMAC order that names its side and has every reason: the side once, the summary whole and < 140 characters (C3)', () => {
    const [card] = cardsFor([orderCheck({
      check: 'minimally-invasive', indicator: 'warning', sides: ['right'], source: 'GL2025 Tables 4, 9',
      order: { resourceType: 'ServiceRequest', id: 'b', display: 'Bone marrow aspirate concentrate injection, right hip' },
      reasons: [
        'Femoral head collapse: the minimally invasive interventions are for pre-collapse hips (Chinese stage I–III)',
        'Contraindicated: active malignancy', 'Contraindicated: uncontrolled infection',
      ],
    })], bilateral);
    expect(card?.summary).toBe('Reconsider Bone marrow aspirate concentrate injection, right hip: not advised — post-collapse, active malignancy, uncontrolled infection');
    expect(card?.summary.length).toBeLessThan(140);
    expect(card?.summary.match(/right/g)).toHaveLength(1);
  });

  it('a warning whose rule lists no override reasons still gets one (design.md section 1)', () => {
    const [card] = cardsFor([orderCheck({
      check: 'eswt', indicator: 'warning', order: { resourceType: 'ServiceRequest', id: 'e', display: 'ESWT' }, reasons: ['beyond stage II'],
    })]);
    expect(card?.overrideReasons).toStrictEqual([{ system: OVERRIDE, ...JUDGEMENT }]);
  });

  it('order-sign with several drafts: one card each, in the order of the checks, uuids in sequence', () => {
    const cards = cardsFor([alendronate, wheelchair]);
    expect(cards.map((c) => c.uuid)).toStrictEqual([u(1), u(3)]);
    expect(cards.map((c) => c.suggestions?.map((s) => s.uuid))).toStrictEqual([[u(2)], [u(4), u(5)]]);
    expect(cards.map((c) => c.suggestions?.flatMap((s) => s.actions?.map((x) => x.resourceId ?? x.resource?.resourceType)))).toStrictEqual([
      ['MedicationRequest/draft-alendronate'],
      ['DeviceRequest/draft-wheelchair', 'DeviceRequest', 'DeviceRequest/draft-wheelchair', 'DeviceRequest'],
    ]);
  });

  it('names the rule of each check, not the patient-view rule sets', () => {
    const [card] = cardsFor([{ ...alendronate, rule: { id: 'order-checks', version: '2025.2.1' } }]);
    expect(card?.source.label).toBe('Non-surgical ONFH guideline 2025');
    expect(card?.extension).toStrictEqual({ 'onfh-cds/rules': [{ id: 'order-checks', version: '2025.2.1' }] });
  });

  it('no checks, or a patient out of scope: no cards', () => {
    expect(cardsFor([])).toStrictEqual([]);
    expect(cardsFor([alendronate], patient({ patientId: 'o3', inScope: false, hips: [] }))).toStrictEqual([]);
  });
});
