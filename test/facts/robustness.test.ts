/** Malformed input never throws; a 300-resource bundle extracts in well under 1 ms. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyDraftOrders, extractFacts } from '../../src/facts/index.js';
import { condition, finding, LOINC, NOW, observation, patient, RIGHT_HIP, valueSets } from './helpers.js';

type R = fhir4.FhirResource;
const run = (resources: unknown, patientId: unknown = 'p1') =>
  extractFacts({ patientId, resources } as unknown as { patientId: string; resources: R[] }, valueSets(), NOW);

describe('broken input', () => {
  it('wrong types, nulls and missing fields are skipped with a note', () => {
    const f = run([
      null, 7, 'Condition', [], {}, { resourceType: 42 },
      { resourceType: 'Condition', id: 'c0', code: null },
      { resourceType: 'Condition', id: 'c1', code: { coding: [null, 5, { system: 9, code: {} }] }, bodySite: 'left' },
      { resourceType: 'Observation', id: 'o1', status: 'final', code: { coding: 'x' }, component: [null, { code: 5 }] },
      { resourceType: 'Observation', id: 'o2', status: 'final', code: { coding: [{ system: LOINC, code: '777-3' }] }, valueQuantity: { value: 'NaN' } },
      { resourceType: 'ImagingStudy', id: 'i1', started: 20260101, series: 'none', modality: [null] },
      { resourceType: 'MedicationRequest', id: 'm1', status: 'active', medicationReference: { reference: null }, dosageInstruction: 'x' },
      { resourceType: 'Patient', birthDate: 19700101, gender: 7 },
      { resourceType: 'Bundle', entry: [null, { resource: condition('c2', 'M87.052') }] },
    ]);
    expect(f.inScope).toBe(true);
    expect(f.hips.map((h) => h.side)).toEqual(['left']);
    expect(f.birthDate).toBeNull();
    expect(f.sex).toBe('unknown');
    // five non-objects (one inside the Bundle), two without a resourceType
    expect(f.notes.filter((n) => n.includes('skipped'))).toHaveLength(7);
    expect(f.notes).toContain('Observation/o2: platelets no numeric value, ignored');
  });

  it.each([null, undefined, 'x', 42, {}])('resources %j → an empty, out-of-scope result', (resources) => {
    const f = run(resources);
    expect(f.inScope).toBe(false);
    expect(f.hips).toEqual([]);
  });

  it('a null input or value sets of the wrong shape of input still answers', () => {
    expect(extractFacts(null as unknown as { patientId: string; resources: R[] }, valueSets(), NOW).inScope).toBe(false);
    expect(run([condition('c', 'M87.051')], 42).patientId).toBe('');
  });

  it('huge strings cost nothing and do not leak into notes', () => {
    const huge = 'x'.repeat(5_000_000);
    const t0 = performance.now();
    const f = run([
      condition(huge, 'M87.059', { bodySite: [{ text: huge + ' left hip' }] }),
      finding('o', 'jic-type', { valueString: huge }),
      observation('s', '72166-2', { valueString: huge }),
      { resourceType: 'ServiceRequest', id: huge, code: { text: huge } },
    ]);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(f.hips.map((h) => h.side)).toEqual(['unknown']);
    expect(Math.max(...f.notes.map((n) => n.length), ...f.dataGaps.map((g) => (g.resource ?? '').length))).toBeLessThan(300);
    const orders = classifyDraftOrders([{ resourceType: 'ServiceRequest', id: huge, code: { text: huge } } as R], valueSets());
    expect(orders.notes.every((n) => n.length < 300)).toBe(true);
  });

  it('any JSON as a resource never throws (property)', () => {
    const jsonish = fc.jsonValue({ maxDepth: 4 });
    const resourceLike = fc.record({
      resourceType: fc.constantFrom('Condition', 'Observation', 'ImagingStudy', 'MedicationRequest', 'MedicationStatement', 'Patient', 'Bundle', 'ServiceRequest', 'DeviceRequest'),
      id: fc.oneof(fc.string(), jsonish),
      status: fc.oneof(fc.constantFrom('final', 'active', 'available'), jsonish),
      code: jsonish, bodySite: jsonish, component: jsonish, series: jsonish, modality: jsonish, stage: jsonish,
      valueQuantity: jsonish, valueCodeableConcept: jsonish, medicationCodeableConcept: jsonish, medicationReference: jsonish,
      contained: jsonish, dosageInstruction: jsonish, subject: jsonish, effectiveDateTime: jsonish, started: jsonish, entry: jsonish,
      clinicalStatus: jsonish, verificationStatus: jsonish, codeCodeableConcept: jsonish, codeReference: jsonish,
    }, { requiredKeys: ['resourceType'] });
    fc.assert(
      fc.property(fc.array(fc.oneof(resourceLike, jsonish), { maxLength: 12 }), (resources) => {
        run(resources);
        classifyDraftOrders(resources as R[], valueSets(), resources as R[]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('performance', () => {
  it('a 300-resource bundle (mostly vitals and labs) extracts in well under 1 ms', () => {
    const vitals = ['8867-4', '8480-6', '8462-4', '8310-5', '9279-1', '2708-6', '29463-7', '8302-2', '2345-7', '718-7'];
    const resources: R[] = [patient, condition('c1', 'M87.051', { onsetDateTime: '2026-01-10' }), condition('c2', 'I10')];
    for (let i = 0; resources.length < 280; i++) {
      resources.push(observation(`v${i}`, vitals[i % vitals.length] ?? '', { valueQuantity: { value: 70 + (i % 30), code: '/min' } }, {
        effectiveDateTime: `2026-0${1 + (i % 9)}-1${i % 10}T08:00:00Z`,
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      }));
    }
    for (let i = 0; resources.length < 300; i++) {
      resources.push(finding(`f${i}`, i % 2 ? 'necrotic-extent' : 'mri-necrosis-sign', i % 2 ? { valueQuantity: { value: 20, code: '%' } } : { valueBoolean: true }, { bodySite: RIGHT_HIP, effectiveDateTime: `2026-0${1 + (i % 9)}-01` }));
    }
    expect(resources).toHaveLength(300);
    for (let i = 0; i < 200; i++) run(resources); // warm up the JIT
    const times: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t0 = performance.now();
      run(resources);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] ?? Infinity;
    expect(run(resources).hips[0]?.findings).toEqual({ 'mri-necrosis-sign': true, 'necrotic-extent': 20 });
    // a median, so that the other engineers' processes on the shared cores do not fail the test
    expect(median).toBeLessThan(1);
  });
});
