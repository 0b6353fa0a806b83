/**
 * Engine speed (issue: "assessing a 300-resource bundle costs well under 1 ms after load").
 *     npx vitest bench --run bench/engine.bench.ts
 * The bundle is the engine's worst case rather than a typical chart: both hips affected, every
 * resource about the hips (findings over two years, 40 imaging studies, pain scores), so the
 * stage history is evaluated at every study.
 */
import { bench, describe } from 'vitest';
import { BUNDLED_RULES_DIR } from '../src/config.js';
import { assess } from '../src/engine/index.js';
import { assessBundle } from '../src/pipeline/index.js';
import { extractFacts } from '../src/facts/index.js';
import { loadRules } from '../src/rules/index.js';

const NOW = '2026-11-21';
const rules = await loadRules(BUNDLED_RULES_DIR);

const sides = { right: { code: '24028007', display: 'Right' }, left: { code: '7771000', display: 'Left' } } as const;
const bodySite = (side: keyof typeof sides) => ({
  coding: [
    { system: 'http://snomed.info/sct', code: '24136001', display: 'Hip joint' },
    { system: 'http://snomed.info/sct', code: sides[side].code, display: sides[side].display },
  ],
});

/** One patient, both hips, `count` resources in all. */
export function hipHeavyBundle(count = 300): { resourceType: 'Bundle'; type: 'collection'; entry: { resource: Record<string, unknown> }[] } {
  const subject = { reference: 'Patient/bench' };
  const resources: Record<string, unknown>[] = [
    { resourceType: 'Patient', id: 'bench', gender: 'female', birthDate: '1972-03-04' },
    ...(['right', 'left'] as const).map((side) => ({
      resourceType: 'Condition', id: `onfh-${side}`, subject,
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: side === 'right' ? 'M87.051' : 'M87.052' }] },
      onsetDateTime: '2024-11-01',
    })),
  ];
  const findings: [string, (i: number) => Record<string, unknown>][] = [
    ['necrotic-extent', (i) => ({ valueQuantity: { value: 10 + (i % 25), unit: '%', system: 'http://unitsofmeasure.org', code: '%' } })],
    ['collapse-depth', (i) => ({ valueQuantity: { value: i > 200 ? 1.5 : 0, unit: 'mm', system: 'http://unitsofmeasure.org', code: 'mm' } })],
    ['mri-necrosis-sign', () => ({ valueBoolean: true })],
    ['xray-abnormal', (i) => ({ valueBoolean: i > 60 })],
    ['bone-marrow-edema', (i) => ({ valueBoolean: i % 3 === 0 })],
    ['subchondral-fracture', (i) => ({ valueBoolean: i > 150 })],
  ];
  for (let i = 0; resources.length < count; i++) {
    const side = Math.floor(i / 8) % 2 === 0 ? (i % 2 === 0 ? 'right' : 'left') : (i % 2 === 0 ? 'left' : 'right');
    const day = new Date(Date.UTC(2024, 10, 1) + i * 2.5 * 86_400_000).toISOString().slice(0, 10);
    if (i % 8 === 0) {
      resources.push({
        resourceType: 'ImagingStudy', id: `img-${i}`, status: 'available', subject, started: `${day}T09:00:00Z`,
        modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: i % 16 === 0 ? 'MR' : 'DX' }],
        series: [{ uid: `1.2.${i}`, modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: i % 16 === 0 ? 'MR' : 'DX' }, bodySite: bodySite(side).coding[0], laterality: bodySite(side).coding[1] }],
      });
    } else if (i % 8 === 1) {
      resources.push({
        resourceType: 'Observation', id: `pain-${i}`, status: 'final', subject, effectiveDateTime: day, bodySite: bodySite(side),
        code: { coding: [{ system: 'http://loinc.org', code: '72514-3' }] }, valueInteger: i % 7,
      });
    } else {
      const [finding, value] = findings[i % findings.length] as (typeof findings)[number];
      resources.push({
        resourceType: 'Observation', id: `f-${i}`, status: 'final', subject, effectiveDateTime: day, bodySite: bodySite(side),
        code: { coding: [{ system: 'http://onfh-cds.org/fhir/CodeSystem/onfh-finding', code: finding }] }, ...value(i),
      });
    }
  }
  return { resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) };
}

const bundle = hipHeavyBundle(300);
const resources = bundle.entry.map((e) => e.resource) as unknown as fhir4.FhirResource[];
const facts = extractFacts({ patientId: 'bench', resources }, rules.valueSets, NOW);
if (!facts.inScope || facts.hips.length !== 2) throw new Error('bench bundle is not the two-hip patient it should be');

describe('engine, 300-resource bundle, rules loaded', () => {
  // Longer runs than the default: on a shared machine the mean needs many samples to settle.
  const options = { time: 3000, warmupTime: 500 };
  bench('assess (facts → Assessment)', () => {
    assess(facts, rules, NOW);
  }, options);
  bench('assessBundle (validate + extractFacts + assess)', () => {
    assessBundle(bundle, rules, NOW);
  }, options);
});
