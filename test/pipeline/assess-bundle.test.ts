/** assessBundle: one patient's FHIR Bundle → Assessment, or a message saying what is wrong. */
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_RULES_DIR } from '../../src/config.js';
import { assessBundle } from '../../src/pipeline/index.js';
import type { LoadedRules } from '../../src/rules/index.js';
import { loadRules } from '../../src/rules/index.js';

let rules: LoadedRules;
beforeAll(async () => {
  rules = await loadRules(BUNDLED_RULES_DIR);
});

const NOW = '2026-11-21';
const condition = (id: string, patient = 'p1') => ({
  resourceType: 'Condition', id, subject: { reference: `Patient/${patient}` },
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
  code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M87.051' }] },
  onsetDateTime: '2026-01-01',
});
const xray = {
  resourceType: 'Observation', id: 'o1', status: 'final', subject: { reference: 'Patient/p1' }, effectiveDateTime: '2026-10-01',
  code: { coding: [{ system: 'http://onfh-cds.org/fhir/CodeSystem/onfh-finding', code: 'xray-abnormal' }] }, valueBoolean: true,
  bodySite: { text: 'Right hip' },
};
const bundle = (...resources: object[]) => ({ resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource })) });

describe('assessBundle', () => {
  it('assesses one patient: in scope, the right hip staged from its findings', () => {
    const r = assessBundle(bundle({ resourceType: 'Patient', id: 'p1', birthDate: '1980-05-05' }, condition('c1'), xray), rules, NOW);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.assessment).toMatchObject({ patientId: 'p1', evaluatedAt: NOW, inScope: true });
    expect(r.assessment.hips[0]).toMatchObject({ side: 'right', stage: { arco: '2' } });
    expect(r.facts.hips).toHaveLength(1);
  });

  it('a patient without ONFH is out of scope: no hips', () => {
    const r = assessBundle(bundle({ resourceType: 'Patient', id: 'p1' }), rules, NOW);
    expect(r).toMatchObject({ ok: true, assessment: { inScope: false, hips: [] } });
  });

  it.each([
    [null, 'expected a FHIR Bundle'],
    [{ resourceType: 'Patient', id: 'p1' }, 'expected a FHIR Bundle'],
    [{ resourceType: 'Bundle', entry: {} }, 'Bundle.entry must be an array'],
    [{ resourceType: 'Bundle', entry: [{ fullUrl: 'x' }] }, 'Bundle.entry[0] has no resource'],
  ])('refuses %j: "%s"', (input, message) => {
    const r = assessBundle(input, rules, NOW);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });

  it('refuses an evaluation date that is not YYYY-MM-DD', () => {
    expect(assessBundle(bundle(), rules, '2026-02-30')).toEqual({ ok: false, error: expect.stringContaining('YYYY-MM-DD') as unknown });
  });

  it('refuses two Patient resources, naming them', () => {
    const r = assessBundle(bundle({ resourceType: 'Patient', id: 'p1' }, { resourceType: 'Patient', id: 'p2' }), rules, NOW);
    expect(r).toEqual({ ok: false, error: expect.stringContaining('2 Patient resources (p1, p2)') as unknown });
  });

  it('refuses resources that reference another patient, naming both', () => {
    const r = assessBundle(bundle({ resourceType: 'Patient', id: 'p1' }, condition('c1'), condition('c2', 'p9')), rules, NOW);
    expect(r).toEqual({ ok: false, error: expect.stringContaining('Patient/p1, Patient/p9') as unknown });
  });

  it('accepts references by fullUrl and without a Patient resource', () => {
    const byUrl = {
      resourceType: 'Bundle', type: 'collection',
      entry: [
        { fullUrl: 'urn:uuid:1', resource: { resourceType: 'Patient', id: 'p1' } },
        { resource: { ...condition('c1'), subject: { reference: 'urn:uuid:1' } } },
      ],
    };
    expect(assessBundle(byUrl, rules, NOW).ok).toBe(true);
    expect(assessBundle(bundle(condition('c1'), xray), rules, NOW)).toMatchObject({ ok: true, assessment: { patientId: 'p1', inScope: true } });
  });
});
