/** Test helpers: the bundled value sets, read with the schema (the real loader lives in src/rules/). */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileValueSets, ValueSetFileSchema, type ValueSetFile, type ValueSets } from '../../src/rules/valuesets.js';

export const VALUESETS_DIR = fileURLToPath(new URL('../../rules/valuesets/', import.meta.url));

export function readValueSetFiles(): ValueSetFile[] {
  return readdirSync(VALUESETS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ValueSetFileSchema.parse(JSON.parse(readFileSync(VALUESETS_DIR + f, 'utf8'))));
}

let cached: ValueSets | undefined;
export function valueSets(): ValueSets {
  return (cached ??= compileValueSets(readValueSetFiles()));
}

export const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';
export const SNOMED = 'http://snomed.info/sct';
export const LOINC = 'http://loinc.org';
export const FINDING = 'http://onfh-cds.org/fhir/CodeSystem/onfh-finding';

type R = fhir4.FhirResource;

/** A Condition; `code` is an ICD-10-CM code unless a system is given. */
export function condition(id: string, code: string, extra: Record<string, unknown> = {}, system = ICD10CM): R {
  return {
    resourceType: 'Condition',
    id,
    subject: { reference: 'Patient/p1' },
    code: { coding: [{ system, code }] },
    ...extra,
  };
}

export const RIGHT_HIP = { coding: [{ system: SNOMED, code: '24136001', display: 'Hip joint structure' }, { system: SNOMED, code: '24028007', display: 'Right' }] };
export const LEFT_HIP = { coding: [{ system: SNOMED, code: '24136001', display: 'Hip joint structure' }, { system: SNOMED, code: '7771000', display: 'Left' }] };

/** A finding Observation of the onfh-finding CodeSystem. */
export function finding(id: string, code: string, value: Record<string, unknown>, extra: Record<string, unknown> = {}): R {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    subject: { reference: 'Patient/p1' },
    code: { coding: [{ system: FINDING, code }] },
    effectiveDateTime: '2026-06-01',
    ...value,
    ...extra,
  };
}

export function observation(id: string, loinc: string, value: Record<string, unknown>, extra: Record<string, unknown> = {}): R {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    subject: { reference: 'Patient/p1' },
    code: { coding: [{ system: LOINC, code: loinc }] },
    effectiveDateTime: '2026-06-01',
    ...value,
    ...extra,
  };
}

export const patient: R = { resourceType: 'Patient', id: 'p1', birthDate: '1970-05-02', gender: 'male' };

export const NOW = '2026-11-21';
