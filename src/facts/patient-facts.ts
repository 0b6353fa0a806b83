/**
 * PatientFacts: the record's facts (extract.ts) completed with those of clinical-spec.md section 14
 * (safety.ts): a plausible birth date, pregnancy, replaced hips, scheduled hip imaging, and a
 * malignancy coded to the pelvis or hip as a tumour in the ESWT treatment field. Pure.
 */
import { extractFacts as extractRecordFacts } from './extract.js';
import { readSafetyFacts } from './safety.js';
import type { PatientFacts } from '../engine/patient-facts.js';
import type { ValueSets } from '../rules/valuesets.js';

export function extractFacts(
  input: Parameters<typeof extractRecordFacts>[0],
  valueSets: ValueSets,
  now: string,
): PatientFacts {
  const facts = extractRecordFacts(input, valueSets, now);
  const given: unknown = input;
  const resources: unknown = typeof given === 'object' && given !== null ? (given as { resources?: unknown }).resources : undefined;
  const safety = readSafetyFacts(Array.isArray(resources) ? resources : [], valueSets, facts.patientId, now);
  const tumours = [...(facts.contraindications['treatment-field-tumour'] ?? [])];
  for (const ref of safety.fieldTumours) if (!tumours.includes(ref)) tumours.push(ref);
  return {
    ...facts,
    birthDate: safety.birthDate,
    contraindications: tumours.length > 0 ? { ...facts.contraindications, 'treatment-field-tumour': tumours } : facts.contraindications,
    pregnant: safety.pregnant,
    replacedHips: safety.replacedHips,
    scheduledImaging: safety.scheduledImaging,
    dataGaps: [...facts.dataGaps, ...safety.dataGaps],
  };
}
