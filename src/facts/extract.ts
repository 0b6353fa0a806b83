/**
 * FHIR resources → PatientFacts (clinical-spec.md sections 1–3, 6, 9, 10). One pass over the
 * resources, each read by the reader of its kind (readers/: patient, condition, observation,
 * imaging-study, medication) into one collector; the hips are then known (from the ONFH
 * conditions) and findings, imaging and scores are attributed to them (hips.ts). Pure: no I/O,
 * never throws.
 */
import { patientIdOf } from './anatomy.js';
import type { PatientFacts, ScoreFact } from '../engine/patient-facts.js';
import { buildHips, imagingOfEachSide } from './hips.js';
import { arr, dateOnly, isRecord, rec, refOf, str, type Json } from './read.js';
import { newCollector, newest, toScoreFact, type Collector, type PendingScore } from './readers/collect.js';
import { readCondition } from './readers/condition.js';
import { readImagingStudy } from './readers/imaging-study.js';
import { activeCorticosteroids } from './readers/medication.js';
import { readObservation } from './readers/observation.js';
import { readPatient } from './readers/patient.js';
import type { ValueSets } from '../rules/valuesets.js';

function optionalScore(list: readonly PendingScore[]): ScoreFact | null {
  const n = newest(list);
  return n === undefined ? null : toScoreFact(n);
}

function visit(acc: Collector, r: unknown, depth: number): void {
  if (!isRecord(r)) {
    acc.notes.push('a resource that is not an object, skipped');
    return;
  }
  const type = r.resourceType;
  if (type === 'Bundle') {
    if (depth > 1) return;
    for (const e of arr(r.entry)) visit(acc, rec(e)?.resource, depth + 1);
    return;
  }
  if (type === 'Patient') {
    readPatient(acc, r);
    return;
  }
  if (typeof type !== 'string') {
    acc.notes.push('a resource with no resourceType, skipped');
    return;
  }
  const owner = patientIdOf(r, acc.ownReference);
  if (owner !== undefined && acc.patientId !== '' && owner !== acc.patientId) {
    acc.notes.push(`${refOf(type, r)}: about another patient, ignored`);
    return;
  }
  switch (type) {
    case 'Condition':
      readCondition(acc, r);
      return;
    case 'Observation':
      readObservation(acc, r);
      return;
    case 'ImagingStudy':
      readImagingStudy(acc, r);
      return;
    case 'MedicationRequest':
    case 'MedicationStatement':
      // read after the pass: the Medication they reference may come later in the bundle
      acc.medications.push({ ref: refOf(type, r), resource: r });
      return;
    default:
      return;
  }
}

export function extractFacts(
  input: { patientId: string; resources: readonly fhir4.FhirResource[] },
  valueSets: ValueSets,
  now: string,
): PatientFacts {
  const inputRec: Json = isRecord(input) ? input : {};
  const patientId = str(inputRec.patientId) ?? '';
  // facts as of the evaluation date: an observation or study dated later (scheduled, mistyped) is not yet known
  const today = typeof now === 'string' && now.length === 10 ? dateOnly(now) : null;
  const acc = newCollector(patientId, valueSets, today);

  const resources = arr(inputRec.resources);
  for (const r of resources) {
    try {
      visit(acc, r, 0);
    } catch {
      // defensive reading should make this unreachable; a broken resource must never stop the rest
      acc.notes.push('a resource that could not be read, skipped');
    }
  }

  // active systemic corticosteroids (spec 10)
  const corticosteroids = activeCorticosteroids(acc, resources);

  const { notes, dataGaps } = acc;
  const hips = buildHips(acc.onfhConditions, { valid: acc.findings, refused: acc.refusedFindings }, acc.imaging, { pain: acc.pain, harris: acc.harris, kneePain: acc.kneePain }, acc.hipPain, dataGaps, notes);
  const imagingBySide = imagingOfEachSide(acc.imaging, hips);
  const newestPlatelets = newest(acc.platelets);
  const newestSmoking = newest(acc.smoking);

  return {
    patientId,
    inScope: hips.length > 0,
    birthDate: acc.birthDate,
    sex: acc.sex,
    hips,
    bmi: optionalScore(acc.bmi),
    smoker: newestSmoking?.value ?? null,
    auditC: optionalScore(acc.auditC),
    alcoholUseDisorder: acc.alcoholUseDisorder,
    diabetes: acc.diabetes,
    osteoporosis: acc.osteoporosis,
    corticosteroids,
    contraindications: acc.contraindications,
    // spec 9: platelets < 50×10⁹/L count as a severe hematologic disorder (the newest count decides)
    plateletsLow: newestPlatelets !== undefined && newestPlatelets.value < 50,
    platelets: optionalScore(acc.platelets),
    egfr: optionalScore(acc.egfr),
    inr: optionalScore(acc.inr),
    imagingBySide,
    dataGaps,
    notes,
  };
}
