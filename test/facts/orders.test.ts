/** clinical-spec.md section 11: draft orders recognised through the value sets. */
import { describe, expect, it } from 'vitest';
import { classifyDraftOrders } from '../../src/facts/index.js';
import { LEFT_HIP, RIGHT_HIP, SNOMED, valueSets } from './helpers.js';

type R = fhir4.FhirResource;
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const PROC = 'http://onfh-cds.org/fhir/CodeSystem/onfh-procedure';
const classify = (drafts: unknown[], context?: unknown[]) => classifyDraftOrders(drafts as R[], valueSets(), context as R[] | undefined);
const med = (id: string, extra: Record<string, unknown>) => ({ resourceType: 'MedicationRequest', id, status: 'draft', intent: 'order', ...extra });
const service = (id: string, code: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ resourceType: 'ServiceRequest', id, status: 'draft', intent: 'order', code, ...extra });
const kinds = (drafts: unknown[], context?: unknown[]) => classify(drafts, context).orders.map((o) => [o.id, o.kind, o.matchedBy, o.side]);

describe('medication orders', () => {
  it.each([
    ['77655', 'zoledronic-acid'], ['46041', 'alendronate'], ['67108', 'enoxaparin'], ['36567', 'simvastatin'],
    ['8640', 'systemic-corticosteroid'], ['8638', 'systemic-corticosteroid'], ['6902', 'systemic-corticosteroid'],
    ['3264', 'systemic-corticosteroid'], ['5492', 'systemic-corticosteroid'],
  ])('RxNorm ingredient %s → %s', (code, kind) => {
    expect(kinds([med('m', { medicationCodeableConcept: { coding: [{ system: RXNORM, code }] } })])).toEqual([['m', kind, 'code', null]]);
  });

  it.each([['M05BA08', 'zoledronic-acid'], ['M05BA04', 'alendronate'], ['B01AB05', 'enoxaparin'], ['C10AA01', 'simvastatin'], ['H02AB02', 'systemic-corticosteroid']])(
    'ATC %s → %s', (code, kind) => {
      expect(kinds([med('m', { medicationCodeableConcept: { coding: [{ system: 'http://www.whocc.no/atc', code }] } })])).toEqual([['m', kind, 'code', null]]);
    });

  it('a product code matched through a referenced Medication.ingredient; display from the order', () => {
    const r = classify(
      [med('m', { medicationReference: { reference: 'Medication/fosamax', display: 'Alendronate 70 mg tablet' } })],
      [{ resourceType: 'Medication', id: 'fosamax', code: { coding: [{ system: RXNORM, code: '904419' }] }, ingredient: [{ itemCodeableConcept: { coding: [{ system: RXNORM, code: '46041' }] } }] }],
    );
    expect(r.orders).toEqual([{ resourceType: 'MedicationRequest', id: 'm', kind: 'alendronate', matchedBy: 'ingredient', side: null, display: 'Alendronate 70 mg tablet' }]);
  });

  it('text as the last resort, with a note', () => {
    const r = classify([med('m', { medicationCodeableConcept: { text: 'Zoledronic acid 5 mg/100 mL infusion' } })]);
    expect(r.orders.map((o) => [o.kind, o.matchedBy, o.display])).toEqual([['zoledronic-acid', 'text', 'Zoledronic acid 5 mg/100 mL infusion']]);
    expect(r.notes).toEqual(['MedicationRequest/m: recognised as zoledronic-acid by text only']);
  });

  it('an intra-articular steroid into the hip is the injection check; a topical one is not checked', () => {
    const ia = med('ia', {
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: '10759', display: 'triamcinolone' }], text: 'Triamcinolone 40 mg' },
      dosageInstruction: [{ route: { coding: [{ system: SNOMED, code: '12130007' }] }, site: RIGHT_HIP }],
    });
    const cream = med('cream', { medicationCodeableConcept: { coding: [{ system: RXNORM, code: '5492' }], text: 'Hydrocortisone cream' } });
    const r = classify([ia, cream]);
    expect(r.orders.map((o) => [o.id, o.kind, o.side])).toEqual([['ia', 'intra-articular-corticosteroid-injection', 'right']]);
    expect(r.notes.some((n) => n.startsWith('MedicationRequest/cream'))).toBe(true);
  });

  it('an unrelated medication: no fact, a note', () => {
    const r = classify([med('m', { medicationCodeableConcept: { coding: [{ system: RXNORM, code: '161' }], text: 'Acetaminophen' } })]);
    expect(r.orders).toEqual([]);
    expect(r.notes).toEqual(['MedicationRequest/m: not a medication this service checks']);
  });
});

describe('service requests', () => {
  it.each([
    ['core-decompression', 'core-decompression'], ['eswt', 'eswt'], ['prp', 'prp'], ['bmac', 'cell-therapy'], ['svf', 'cell-therapy'],
    ['ozone', 'ozone'], ['radiofrequency', 'radiofrequency'], ['resurfacing', 'resurfacing'],
    ['intra-articular-corticosteroid-injection', 'intra-articular-corticosteroid-injection'],
  ])('onfh-procedure code %s → %s', (code, kind) => {
    expect(kinds([service('s', { coding: [{ system: PROC, code }] })])).toEqual([['s', kind, 'code', null]]);
  });

  it.each(['52734007', '265160007', '398010007'])('SNOMED %s → total-hip-arthroplasty', (code) => {
    expect(kinds([service('s', { coding: [{ system: SNOMED, code }] })])).toEqual([['s', 'total-hip-arthroplasty', 'code', null]]);
  });

  it.each([
    ['Core decompression of femoral head', ['core-decompression']],
    ['Extracorporeal shock wave therapy, hip', ['eswt']],
    ['Platelet-rich plasma injection', ['prp']],
    ['Autologous bone marrow aspirate concentrate', ['cell-therapy']],
    ['Intra-articular ozone injection', ['ozone']],
    ['Pulsed radiofrequency of hip joint branches', ['radiofrequency']],
    ['Hip joint injection, corticosteroid', ['intra-articular-corticosteroid-injection']],
    ['Intra-articular injection of hip with triamcinolone', ['intra-articular-corticosteroid-injection']],
    ['Hip injection hyaluronic acid', []],
    ['Total hip arthroplasty', ['total-hip-arthroplasty']],
    ['Hip resurfacing arthroplasty', ['resurfacing']],
    ['Core decompression with BMAC', ['core-decompression', 'cell-therapy']],
    ['MRI of the pelvis', []],
  ])('text "%s" → %j', (text, expected) => {
    expect(classify([service('s', { text })]).orders.map((o) => o.kind)).toEqual(expected);
  });

  it('side from bodySite, else the words of the order; bilateral names no single hip', () => {
    const cd = { coding: [{ system: PROC, code: 'core-decompression' }] };
    expect(kinds([
      service('a', cd, { bodySite: [LEFT_HIP] }),
      service('b', { text: 'Core decompression, right hip' }),
      service('c', cd, { bodySite: [{ text: 'both hips' }] }),
    ])).toEqual([['a', 'core-decompression', 'code', 'left'], ['b', 'core-decompression', 'text', 'right'], ['c', 'core-decompression', 'code', null]]);
  });

  it('a steroid injection of the knee is not a hip injection', () => {
    expect(classify([service('s', { text: 'Corticosteroid injection' }, { bodySite: [{ text: 'Left knee' }] })]).orders).toEqual([]);
    expect(classify([service('s', { text: 'Corticosteroid injection' }, { bodySite: [LEFT_HIP] })]).orders.map((o) => [o.kind, o.side]))
      .toEqual([['intra-articular-corticosteroid-injection', 'left']]);
  });
});

describe('device requests', () => {
  it('wheelchair, crutch, cane by SNOMED code or text; by a referenced Device', () => {
    const dev = (id: string, extra: Record<string, unknown>) => ({ resourceType: 'DeviceRequest', id, status: 'draft', intent: 'order', ...extra });
    expect(kinds([
      dev('w', { codeCodeableConcept: { coding: [{ system: SNOMED, code: '58938008' }] } }),
      dev('c', { codeCodeableConcept: { coding: [{ system: SNOMED, code: '74566002' }] } }),
      dev('k', { codeCodeableConcept: { coding: [{ system: SNOMED, code: '87405001' }] } }),
      dev('t', { codeCodeableConcept: { text: 'Manual wheelchair, standard' } }),
      dev('r', { codeReference: { reference: 'Device/d1' } }),
    ], [{ resourceType: 'Device', id: 'd1', type: { coding: [{ system: SNOMED, code: '58938008' }] } }])).toEqual([
      ['w', 'wheelchair', 'code', null], ['c', 'crutch', 'code', null], ['k', 'cane', 'code', null],
      ['t', 'wheelchair', 'text', null], ['r', 'wheelchair', 'code', null],
    ]);
  });
});

describe('orders that are not understood', () => {
  it('broken or foreign drafts: no fact, a note each, never a throw', () => {
    const r = classify([null, 42, 'x', {}, { resourceType: 'NutritionOrder', id: 'n' }, { resourceType: 'ServiceRequest', id: 's', code: 'oops' },
      { resourceType: 'MedicationRequest', id: 'm', medicationCodeableConcept: { coding: 'nope' }, dosageInstruction: [null, { route: 7 }] },
      { resourceType: 'DeviceRequest', codeReference: { reference: 12 } }]);
    expect(r.orders).toEqual([]);
    expect(r.notes).toHaveLength(9);
  });

  it('a draft without an id is still checked (noted)', () => {
    const r = classify([{ resourceType: 'ServiceRequest', code: { coding: [{ system: PROC, code: 'eswt' }] } }]);
    expect(r.orders.map((o) => [o.id, o.kind])).toEqual([['', 'eswt']]);
    expect(r.notes[0]).toContain('without an id');
  });

  it('drafts that are not a list', () => {
    expect(classifyDraftOrders(null as unknown as R[], valueSets())).toEqual({ orders: [], notes: [] });
  });
});
