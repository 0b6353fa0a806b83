/**
 * The pseudonymous patient key of the store (design.md section 6): HMAC-SHA256 of the patient
 * id under PSEUDONYM_KEY. The patient id itself is never stored, logged or returned.
 */
import { createHmac } from 'node:crypto';

/**
 * Outside production a missing PSEUDONYM_KEY falls back to this fixed key, so keys stay stable
 * across restarts of a development service; config.ts refuses production without a key.
 */
export const DEVELOPMENT_PSEUDONYM_KEY = 'onfh-cds development pseudonym key: not for patient data';

export function pseudonymizer(key: string): (patientId: string) => string {
  return (patientId) => createHmac('sha256', key).update(patientId, 'utf8').digest('hex');
}
