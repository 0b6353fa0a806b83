/**
 * Report statements in the pipeline (clinical-spec.md 12, 13; design.md 5): they become findings
 * with provenance, reportFindings and suspectedOnfh in the Assessment, stage.source "reported",
 * quoted on the cards; the section-13 card with its provisional Condition. A report alone never
 * drives treatment advice.
 */
import { describe, expect, it } from 'vitest';
import type { Card } from '../../src/cds-hooks/card.js';
import { ONFH_SERVICES } from '../../src/cds-hooks/services.js';
import { assessBundle, decideCards } from '../../src/pipeline/index.js';
import { BUNDLED_RULES_DIR } from '../../src/config.js';
import { loadRules } from '../../src/rules/index.js';
import { RADIOLOGY, LOINC } from './helpers.js';

const rules = await loadRules(BUNDLED_RULES_DIR);
const NOW = '2026-11-21';
const P = 'p1';

const patient = { resourceType: 'Patient', id: P, birthDate: '1975-03-01', gender: 'female' };
const onfhCondition = (side: 'right' | 'left') => ({
  resourceType: 'Condition', id: `onfh-${side}`, subject: { reference: `Patient/${P}` },
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
  code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: side === 'right' ? 'M87.051' : 'M87.052' }] },
  onsetDateTime: '2026-06-01',
});
const mri = (id: string, date: string, conclusion: string, side: 'right' | 'left' = 'right') => ({
  resourceType: 'DiagnosticReport', id, status: 'final', subject: { reference: `Patient/${P}` }, category: RADIOLOGY,
  code: { coding: [{ system: LOINC, code: side === 'right' ? '36022-2' : '36020-6' }], text: `MR hip ${side}` },
  effectiveDateTime: date, conclusion,
});
const observation = (finding: string, value: Record<string, unknown>, date: string) => ({
  resourceType: 'Observation', id: `obs-${finding}`, status: 'final', subject: { reference: `Patient/${P}` },
  code: { coding: [{ system: 'http://onfh-cds.org/fhir/CodeSystem/onfh-finding', code: finding }] },
  bodySite: { coding: [{ system: 'http://snomed.info/sct', code: '24028007', display: 'Right' }], text: 'right hip' },
  effectiveDateTime: date, ...value,
});
const bundle = (...resources: unknown[]) => ({ resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) });

function assess(...resources: unknown[]) {
  const r = assessBundle(bundle(patient, ...resources), rules, NOW);
  if (!r.ok) throw new Error(r.error);
  return r.assessment;
}

function patientView(...resources: unknown[]): readonly Card[] {
  const service = ONFH_SERVICES.find((s) => s.hook === 'patient-view');
  if (!service) throw new Error('no patient-view service');
  return decideCards(rules, {
    service, hook: 'patient-view', context: { patientId: P, userId: 'Practitioner/1' },
    record: { patientId: P, resources: [patient, ...resources] as fhir4.FhirResource[] },
    draftOrders: [], selections: [], now: new Date(`${NOW}T09:00:00Z`),
  }).cards;
}

const SENTENCE = 'Subchondral fracture of the right femoral head with 3 mm collapse.';

describe('report statements become findings', () => {
  it('"subchondral fracture with 3 mm collapse" stages the hip (ARCO 3B) with the report as provenance', () => {
    const a = assess(onfhCondition('right'), mri('r1', '2026-10-02', SENTENCE));
    const hip = a.hips[0];
    expect(hip?.findings).toMatchObject({ 'subchondral-fracture': true, 'collapse-depth': 3 });
    expect(hip?.stage).toMatchObject({ arco: '3B', source: 'computed' });
    expect(a.reportFindings).toEqual([
      { report: 'DiagnosticReport/r1', date: '2026-10-02', studyKind: 'MRI', side: 'right', finding: 'subchondral-fracture', certainty: 'affirmed', text: SENTENCE },
      { report: 'DiagnosticReport/r1', date: '2026-10-02', studyKind: 'MRI', side: 'right', finding: 'collapse-depth', certainty: 'affirmed', value: 3, text: SENTENCE },
    ]);
    expect(a.suspectedOnfh).toEqual([]);
  });

  it('negated booleans set false, "no collapse" sets 0, uncertain statements set nothing', () => {
    const a = assess(onfhCondition('right'), mri('r1', '2026-10-02', 'Right femoral head: no bone marrow edema, no collapse. Possible subchondral fracture.'));
    expect(a.hips[0]?.findings).toEqual({ 'bone-marrow-edema': false, 'collapse-depth': 0 });
    expect(a.reportFindings.map((s) => `${s.finding} ${s.certainty}`)).toEqual(['bone-marrow-edema negated', 'collapse-depth negated', 'subchondral-fracture uncertain']);
  });

  it('a structured finding Observation of the same or a later date wins over the report', () => {
    const later = assess(onfhCondition('right'), mri('r1', '2026-10-02', SENTENCE), observation('collapse-depth', { valueQuantity: { value: 1, unit: 'mm', system: 'http://unitsofmeasure.org', code: 'mm' } }, '2026-10-02'));
    expect(later.hips[0]?.findings['collapse-depth']).toBe(1);
    const earlier = assess(onfhCondition('right'), mri('r1', '2026-10-02', SENTENCE), observation('collapse-depth', { valueQuantity: { value: 1, unit: 'mm', system: 'http://unitsofmeasure.org', code: 'mm' } }, '2026-09-01'));
    expect(earlier.hips[0]?.findings['collapse-depth']).toBe(3);
  });

  it('stage.source is "reported" when only a reported ARCO stage is known', () => {
    const a = assess(onfhCondition('right'), mri('r1', '2026-10-02', 'Right femoral head osteonecrosis, ARCO stage II.'));
    expect(a.hips[0]?.stage).toMatchObject({ arco: '2', source: 'reported', recorded: null });
  });

  it('"possible early collapse" sets no collapse but asks for the suspected-collapse CT (clinical-spec.md 8, 12)', () => {
    const a = assess(onfhCondition('right'), mri('r1', '2026-10-02', 'Right femoral head osteonecrosis with a double-line sign. Possible early collapse.'));
    expect(a.hips[0]?.findings['collapse-depth']).toBeUndefined();
    expect(a.hips[0]?.followUp.modality).toBe('CT');
    const plain = assess(onfhCondition('right'), mri('r1', '2026-10-02', 'Right femoral head osteonecrosis with a double-line sign.'));
    expect(plain.hips[0]?.followUp.modality).toBe('MR');
  });

  it('the summary card quotes the sentence a finding came from', () => {
    const cards = patientView(onfhCondition('right'), mri('r1', '2026-10-02', SENTENCE));
    const summary = cards.find((c) => c.detail.includes('From radiology reports'));
    expect(summary?.detail).toContain(`- Right hip: MRI 2 Oct 2026: '${SENTENCE}'`);
  });
});

describe('clinical-spec.md 13: ONFH on imaging, not on the problem list', () => {
  const AVN = 'Avascular necrosis of the right femoral head.';

  it('an affirmed onfh statement with no condition gives one info card with a provisional Condition to create, and no treatment advice', () => {
    const a = assess(mri('r1', '2026-10-02', AVN));
    expect(a.inScope).toBe(false);
    expect(a.hips).toEqual([]);
    expect(a.suspectedOnfh).toEqual([{ side: 'right', report: 'DiagnosticReport/r1', date: '2026-10-02', text: AVN, studyKind: 'MRI' }]);
    const cards = patientView(mri('r1', '2026-10-02', AVN));
    expect(cards).toHaveLength(1);
    const card = cards[0];
    expect(card?.indicator).toBe('info');
    expect(card?.summary).toBe('Add ONFH of the right hip to the problem list if confirmed: MRI of 2 Oct 2026 describes osteonecrosis of its femoral head');
    expect(card?.detail).toContain(`MRI 2 Oct 2026: '${AVN}'`);
    const condition = card?.suggestions?.[0]?.actions?.[0]?.resource as Record<string, unknown> | undefined;
    expect(condition).toMatchObject({
      resourceType: 'Condition',
      verificationStatus: { coding: [{ code: 'provisional' }] },
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M87.051' }, { system: 'http://snomed.info/sct', code: '203476003' }] },
      subject: { reference: `Patient/${P}` },
      evidence: [{ detail: [{ reference: 'DiagnosticReport/r1' }] }],
    });
  });

  it('no card for a negated or uncertain mention, a report older than 24 months, or a hip already on the list', () => {
    expect(patientView(mri('r1', '2026-10-02', 'No avascular necrosis of the right femoral head.'))).toEqual([]);
    expect(patientView(mri('r1', '2026-10-02', 'Possible avascular necrosis of the right femoral head.'))).toEqual([]);
    expect(patientView(mri('r1', '2024-10-02', AVN))).toEqual([]);
    const onList = patientView(onfhCondition('right'), mri('r1', '2026-10-02', AVN));
    expect(onList.some((c) => c.summary.includes('to the problem list if confirmed'))).toBe(false);
  });

  it('the other hip: a left hip on imaging only gets the card beside the right hip\'s cards', () => {
    const cards = patientView(onfhCondition('right'), mri('r2', '2026-10-05', 'Avascular necrosis of the left femoral head.', 'left'));
    const card = cards.find((c) => c.summary.includes('to the problem list if confirmed'));
    expect(card?.summary).toBe('Add ONFH of the left hip to the problem list if confirmed: MRI of 5 Oct 2026 describes osteonecrosis of its femoral head');
    const condition = card?.suggestions?.[0]?.actions?.[0]?.resource as { code: { coding: { code: string }[] } } | undefined;
    expect(condition?.code.coding[0]?.code).toBe('M87.052');
  });

  it('no card for a hip replaced since the report (clinical-spec.md 14: no femoral head)', () => {
    const replaced = {
      resourceType: 'Condition', id: 'z96', subject: { reference: `Patient/${P}` },
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'Z96.641' }] },
    };
    expect(patientView(replaced, mri('r1', '2026-10-02', AVN))).toEqual([]);
    expect(assess(replaced, mri('r1', '2026-10-02', AVN)).suspectedOnfh).toEqual([]);
  });

  it('a child with ONFH on imaging only gets no card either (clinical-spec.md 14: under 18, no card at any hook)', () => {
    const child = { ...patient, birthDate: '2017-05-01' };
    const r = assessBundle(bundle(child, mri('r1', '2026-10-02', AVN)), rules, NOW);
    if (!r.ok) throw new Error(r.error);
    expect(r.assessment).toMatchObject({ inScope: false, outOfScopeReason: 'under-18', suspectedOnfh: [] });
    const service = ONFH_SERVICES.find((s) => s.hook === 'patient-view');
    if (!service) throw new Error('no patient-view service');
    const cards = decideCards(rules, {
      service, hook: 'patient-view', context: { patientId: P, userId: 'Practitioner/1' },
      record: { patientId: P, resources: [child, mri('r1', '2026-10-02', AVN)] as fhir4.FhirResource[] },
      draftOrders: [], selections: [], now: new Date(`${NOW}T09:00:00Z`),
    }).cards;
    expect(cards).toEqual([]);
  });
});
