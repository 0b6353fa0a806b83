/**
 * MedicationRequest / MedicationStatement → the active systemic corticosteroids (clinical-spec.md
 * section 10). Read after the pass over the resources: the Medication they reference may come later.
 */
import { makeResolver, readMedication } from '../medications.js';
import { str } from '../read.js';
import type { Collector } from './collect.js';

/**
 * Active systemic corticosteroid (spec 10): MedicationRequest `active` or `on-hold` (a course
 * paused is still exposure worth reviewing); not `draft` (not yet prescribed: the order-entry
 * check of spec 11 speaks to drafts), nor completed/stopped/cancelled/entered-in-error/unknown.
 * MedicationStatement `active` or `on-hold` likewise; `intended` is not yet taken.
 */
const ACTIVE_MEDICATION = new Set(['active', 'on-hold']);
/** "MedicationRequest/<id>", … of the active systemic corticosteroids among acc.medications. */
export function activeCorticosteroids(acc: Collector, resources: readonly unknown[]): string[] {
  const corticosteroids: string[] = [];
  if (acc.medications.length > 0) {
    const resolve = makeResolver(resources);
    for (const { ref, resource } of acc.medications) {
      try {
        const status = str(resource.status);
        if (status === undefined || !ACTIVE_MEDICATION.has(status)) continue;
        const med = readMedication(acc.valueSets, resource, resolve);
        const by = med.kinds.get('systemic-corticosteroid');
        if (by === undefined) continue;
        if (med.nonSystemicRoute !== undefined) {
          acc.notes.push(`${ref}: corticosteroid by a ${med.nonSystemicRoute} route, not systemic`);
          continue;
        }
        if (by === 'text') acc.notes.push(`${ref}: systemic corticosteroid recognised by text only`);
        corticosteroids.push(ref);
      } catch {
        acc.notes.push(`${ref}: could not be read, skipped`);
      }
    }
  }
  return corticosteroids;
}
