/** Patient → birth date and sex (clinical-spec.md section 10); another patient's record is ignored. */
import { dateOnly, refOf, str, type Json } from '../read.js';
import type { Collector } from './collect.js';

export function readPatient(acc: Collector, p: Json): void {
  const id = str(p.id);
  // another patient's record in the bundle is never read as this one's
  if (acc.patientId !== '' && id !== undefined && id !== acc.patientId) {
    acc.notes.push(`${refOf('Patient', p)}: not the patient ${acc.patientId}, ignored`);
    return;
  }
  if (acc.patientSeen) return;
  acc.patientSeen = true;
  acc.birthDate = dateOnly(p.birthDate);
  const g = p.gender;
  acc.sex = g === 'male' || g === 'female' || g === 'other' ? g : 'unknown';
}
