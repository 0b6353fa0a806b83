/** Patient-level facts: clinical-spec.md sections 3 (other facts), 4.3 (recorded stage), 6, 9, 10. */
import { describe, expect, it } from 'vitest';
import { extractFacts } from '../../src/facts/index.js';
import { condition, NOW, observation, patient, SNOMED, valueSets } from './helpers.js';

type R = fhir4.FhirResource;
const rightOnfh = condition('c1', 'M87.051');
const facts = (...resources: R[]) => extractFacts({ patientId: 'p1', resources }, valueSets(), NOW);
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const ATC = 'http://www.whocc.no/atc';

describe('BMI, smoking, AUDIT-C, laboratory values', () => {
  it('the newest BMI, AUDIT-C, eGFR and INR', () => {
    const f = facts(
      rightOnfh,
      observation('b1', '39156-5', { valueQuantity: { value: 23.1, code: 'kg/m2' } }, { effectiveDateTime: '2025-01-01' }),
      observation('b2', '39156-5', { valueQuantity: { value: 26.4, code: 'kg/m2' } }, { effectiveDateTime: '2026-01-01' }),
      observation('a', '75626-2', { valueInteger: 4 }),
      observation('g', '98979-8', { valueQuantity: { value: 12, code: 'mL/min/{1.73_m2}' } }),
      observation('i', '34714-6', { valueQuantity: { value: 2.1, code: '{INR}' } }),
    );
    expect(f.bmi).toEqual({ value: 26.4, date: '2026-01-01', ref: 'Observation/b2' });
    expect(f.auditC).toEqual({ value: 4, date: '2026-06-01', ref: 'Observation/a' });
    expect(f.egfr?.value).toBe(12);
    expect(f.inr?.value).toBe(2.1);
  });

  it('no observation → null', () => {
    const f = facts(rightOnfh);
    expect([f.bmi, f.smoker, f.auditC, f.platelets, f.egfr, f.inr]).toEqual([null, null, null, null, null, null]);
  });

  it.each([
    ['449868002', true], ['428041000124106', true], ['77176002', true],
    ['8517006', false], ['266919005', false], ['266927001', null],
  ])('smoking status SNOMED %s → smoker %s', (code, smoker) => {
    const f = facts(rightOnfh, observation('s', '72166-2', { valueCodeableConcept: { coding: [{ system: SNOMED, code }] } }));
    expect(f.smoker).toBe(smoker);
  });

  it('the newest smoking status wins; a text answer is read', () => {
    const f = facts(
      rightOnfh,
      observation('old', '72166-2', { valueCodeableConcept: { coding: [{ system: SNOMED, code: '449868002' }] } }, { effectiveDateTime: '2020-01-01' }),
      observation('new', '72166-2', { valueCodeableConcept: { text: 'Former smoker' } }, { effectiveDateTime: '2026-01-01' }),
    );
    expect(f.smoker).toBe(false);
    expect(facts(observation('s', '72166-2', { valueString: 'Current every day smoker' })).smoker).toBe(true);
  });

  it('alcohol-use disorder F10.1/F10.2, diabetes E10–E14, osteoporosis M80/M81 (active only)', () => {
    const f = facts(rightOnfh, condition('a', 'F10.20'), condition('d', 'E11.65'), condition('o', 'M81.0'));
    expect([f.alcoholUseDisorder, f.diabetes, f.osteoporosis]).toEqual([true, true, true]);
    const g = facts(rightOnfh, condition('a', 'F10.9'), condition('d', 'E15'), condition('o', 'M82.0'),
      condition('x', 'E10.9', { clinicalStatus: { coding: [{ code: 'resolved' }] } }));
    expect([g.alcoholUseDisorder, g.diabetes, g.osteoporosis]).toEqual([false, false, false]);
  });
});

describe('spec 6: contraindication conditions', () => {
  it.each([
    ['C50.911', 'malignancy'], ['C96.9', 'malignancy'], ['C00.0', 'malignancy'],
    ['D80.1', 'immune-hematologic'], ['D84.9', 'immune-hematologic'], ['D61.818', 'immune-hematologic'], ['D46.9', 'immune-hematologic'],
    ['A41.9', 'infection'], ['A40.0', 'infection'], ['R65.20', 'infection'], ['M00.051', 'infection'], ['M86.151', 'infection'],
    ['N18.5', 'kidney-failure'], ['N18.6', 'kidney-failure'], ['K72.10', 'hepatic-failure'], ['I50.84', 'heart-failure'], ['J96.01', 'respiratory-failure'],
    ['D65', 'coagulopathy'], ['D68.9', 'coagulopathy'], ['D66', 'coagulopathy'],
  ])('%s → %s', (code, id) => {
    expect(facts(rightOnfh, condition('x', code)).contraindications).toEqual({ [id]: ['Condition/x'] });
  });

  it.each(['C44.91', 'C97', 'D79', 'D85', 'N18.4', 'I50.9', 'R65.1', 'D69.6', 'A39'])('%s is not a contraindication', (code) => {
    expect(facts(rightOnfh, condition('x', code)).contraindications).toEqual({});
  });

  it('an inactive condition is not a contraindication; the dot is optional', () => {
    expect(facts(condition('x', 'C50911', { clinicalStatus: { coding: [{ code: 'remission' }] } })).contraindications).toEqual({});
    expect(facts(condition('x', 'C50911')).contraindications).toEqual({ malignancy: ['Condition/x'] });
  });

  it.each([
    [49, '10*9/L', true], [50, '10*9/L', false], [49.9, '10*3/uL', true], [120, '10*3/uL', false],
    [45000, '/uL', true], [60000, '/uL', false], [30, undefined, true],
  ])('platelets %s %s → low %s (spec 9: < 50×10⁹/L)', (value, code, low) => {
    const f = facts(observation('plt', '777-3', { valueQuantity: { value, ...(code !== undefined && { code }) } }));
    expect(f.plateletsLow).toBe(low);
  });

  it('the newest platelet count decides; an unknown unit is ignored with a note', () => {
    const f = facts(
      observation('old', '777-3', { valueQuantity: { value: 20, code: '10*9/L' } }, { effectiveDateTime: '2025-01-01' }),
      observation('new', '777-3', { valueQuantity: { value: 180, code: '10*9/L' } }, { effectiveDateTime: '2026-01-01' }),
      observation('odd', '777-3', { valueQuantity: { value: 10, code: 'mg' } }, { effectiveDateTime: '2026-02-01' }),
    );
    expect(f.plateletsLow).toBe(false);
    expect(f.platelets?.ref).toBe('Observation/new');
    expect(f.notes.join('\n')).toContain('Observation/odd');
  });
});

describe('spec 10: active systemic corticosteroids', () => {
  const medReq = (id: string, extra: Record<string, unknown>): R =>
    ({ resourceType: 'MedicationRequest', id, status: 'active', intent: 'order', subject: { reference: 'Patient/p1' }, ...extra });
  const prednisone = { medicationCodeableConcept: { coding: [{ system: RXNORM, code: '8640', display: 'prednisone' }] } };

  it('an ingredient code, an ATC H02AB code', () => {
    const f = facts(rightOnfh, medReq('m1', prednisone),
      medReq('m2', { medicationCodeableConcept: { coding: [{ system: ATC, code: 'H02AB06' }] } }));
    expect(f.corticosteroids).toEqual(['MedicationRequest/m1', 'MedicationRequest/m2']);
  });

  it.each([['active', true], ['on-hold', true], ['draft', false], ['completed', false], ['stopped', false], ['cancelled', false], ['entered-in-error', false]])(
    'MedicationRequest status %s → counted %s', (status, counted) => {
      expect(facts(medReq('m', { ...prednisone, status })).corticosteroids.length > 0).toBe(counted);
    });

  it('MedicationStatement active counts; intended does not', () => {
    const st = (id: string, status: string) => ({ resourceType: 'MedicationStatement', id, status, ...prednisone }) as R;
    expect(facts(st('s1', 'active'), st('s2', 'intended')).corticosteroids).toEqual(['MedicationStatement/s1']);
  });

  it('a product code is matched through the ingredient of a contained or referenced Medication', () => {
    const contained = medReq('m1', {
      contained: [{ resourceType: 'Medication', id: 'med', code: { coding: [{ system: RXNORM, code: '312615' }] }, ingredient: [{ itemCodeableConcept: { coding: [{ system: RXNORM, code: '8638' }] } }] }],
      medicationReference: { reference: '#med' },
    });
    const referenced = medReq('m2', { medicationReference: { reference: 'Medication/dex' } });
    const dex = { resourceType: 'Medication', id: 'dex', ingredient: [{ itemCodeableConcept: { coding: [{ system: RXNORM, code: '3264' }] } }] } as R;
    expect(facts(contained, referenced, dex).corticosteroids).toEqual(['MedicationRequest/m1', 'MedicationRequest/m2']);
  });

  it('text is the last resort, noted', () => {
    const f = facts(medReq('m1', { medicationCodeableConcept: { coding: [{ system: RXNORM, code: '999999' }], text: 'Methylprednisolone 4 mg tablet' } }));
    expect(f.corticosteroids).toEqual(['MedicationRequest/m1']);
    expect(f.notes.join('\n')).toMatch(/MedicationRequest\/m1.*text/);
  });

  it('topical, inhaled and intra-articular steroids are not systemic', () => {
    const f = facts(
      medReq('cream', { medicationCodeableConcept: { coding: [{ system: RXNORM, code: '5492' }], text: 'Hydrocortisone 1 % cream' } }),
      medReq('route', { ...prednisone, dosageInstruction: [{ route: { coding: [{ system: SNOMED, code: '6064005' }] } }] }),
      medReq('inj', { ...prednisone, dosageInstruction: [{ route: { text: 'intra-articular' } }] }),
    );
    expect(f.corticosteroids).toEqual([]);
  });

  it('bisphosphonates and other drugs are not corticosteroids', () => {
    const f = facts(medReq('m', { medicationCodeableConcept: { coding: [{ system: RXNORM, code: '46041' }] } }));
    expect(f.corticosteroids).toEqual([]);
  });
});

describe('spec 4.3: recorded stage', () => {
  const staged = (id: string, summary: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    condition(id, 'M87.051', { stage: [{ summary }], ...extra });

  it.each([
    ['ARCO 3A', '3A', null], ['ARCO stage IIIA', '3A', null], ['arco iiib', '3B', null], ['ARCO 2', '2', null], ['ARCO IV', '4', null],
    ['ARCO 3', null, null], ['Chinese stage IIb', null, 'IIb'], ['Chinese stage V', null, 'V'], ['chinese IVc', null, 'IVc'],
    ['ARCO 1; Chinese stage Ia', '1', 'Ia'],
  ])('text "%s" → arco %s, chinese %s', (text, arco, chinese) => {
    const h = facts(staged('c', { text })).hips[0];
    if (arco === null && chinese === null) expect(h?.recordedStage).toBeNull();
    else expect(h?.recordedStage).toEqual({ arco, chinese, text, ref: 'Condition/c' });
  });

  it('coded in the arco-2019 and chinese-onfh-stage systems', () => {
    const c = condition('c', 'M87.051', {
      stage: [
        { summary: { coding: [{ system: 'http://onfh-cds.org/fhir/CodeSystem/arco-2019', code: '3B' }] } },
        { summary: { coding: [{ system: 'http://onfh-cds.org/fhir/CodeSystem/chinese-onfh-stage', code: 'IVb' }] } },
      ],
    });
    expect(facts(c).hips[0]?.recordedStage).toEqual({ arco: '3B', chinese: 'IVb', text: '3B', ref: 'Condition/c' });
  });

  it('the newest recorded stage of the hip wins', () => {
    const f = facts(
      staged('new', { text: 'ARCO 3A' }, { recordedDate: '2026-05-01' }),
      staged('old', { text: 'ARCO 1' }, { recordedDate: '2025-05-01' }),
    );
    expect(f.hips[0]?.recordedStage?.ref).toBe('Condition/new');
  });
});

describe('patient', () => {
  it('birth date and sex; another patient in the bundle is ignored', () => {
    const other = { resourceType: 'Patient', id: 'p2', birthDate: '1999-01-01', gender: 'female' } as R;
    const f = facts(other, patient, condition('x', 'M87.051', { subject: { reference: 'Patient/p2' } }));
    expect([f.birthDate, f.sex, f.inScope]).toEqual(['1970-05-02', 'male', false]);
    expect(f.notes.join('\n')).toContain('Condition/x');
  });

  it('urn:uuid subjects (transaction bundles) are read', () => {
    expect(facts(condition('x', 'M87.051', { subject: { reference: 'urn:uuid:1234' } })).inScope).toBe(true);
  });
});
