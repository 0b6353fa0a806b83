/**
 * What a MedicationRequest or MedicationStatement prescribes (clinical-spec.md section 9): the
 * medication codes themselves, else the ingredients of a contained or referenced Medication, else
 * (last resort, reported in notes) keywords in the text.
 */
import { readSites } from './anatomy.js';
import { arr, codedMatches, conceptLabel, conceptText, isRecord, lowerText, rec, str, type Json } from './read.js';
import type { ValueSets } from '../rules/valuesets.js';

export type MatchedBy = 'code' | 'ingredient' | 'text';

export interface MedicationReading {
  /** Medication value-set values found ('alendronate', 'systemic-corticosteroid', …) and how. */
  readonly kinds: ReadonlyMap<string, MatchedBy>;
  readonly display: string;
  /** A non-systemic route (topical, inhaled, intra-articular, …) when the order names one. */
  readonly nonSystemicRoute: string | undefined;
  /** The dosage site names a hip. */
  readonly hipSite: boolean;
  /** The side named by the dosage site, if any. */
  readonly siteSide: 'left' | 'right' | 'bilateral' | undefined;
}

/** Looks a referenced resource up: "#id" among the contained, "Type/id" among the others. */
export type Resolver = (owner: Json, reference: unknown, resourceType: string) => Json | undefined;

const REF_TAIL = /(?:^|\/)([A-Za-z]+)\/([^/]+)(?:\/_history\/[^/]*)?$/;

/** Builds a resolver over the resources of a request (Medication, Device, … by id). */
export function makeResolver(resources: readonly unknown[]): Resolver {
  const byKey = new Map<string, Json>();
  for (const r of resources) {
    if (!isRecord(r)) continue;
    const type = str(r.resourceType);
    const id = str(r.id);
    if (type !== undefined && id !== undefined && (type === 'Medication' || type === 'Device')) byKey.set(`${type}/${id}`, r);
  }
  return (owner, reference, resourceType) => {
    const ref = str(rec(reference)?.reference);
    if (ref === undefined || ref.length > 512) return undefined;
    if (ref.startsWith('#')) {
      const id = ref.slice(1);
      for (const c of arr(owner.contained)) {
        if (isRecord(c) && c.id === id && c.resourceType === resourceType) return c;
      }
      return undefined;
    }
    const m = REF_TAIL.exec(ref);
    if (m?.[1] !== resourceType) return undefined;
    return byKey.get(`${resourceType}/${m[2] ?? ''}`);
  };
}

function addKind(kinds: Map<string, MatchedBy>, kind: string, by: MatchedBy) {
  if (!kinds.has(kind)) kinds.set(kind, by);
}

export function readMedication(valueSets: ValueSets, resource: Json, resolve: Resolver): MedicationReading {
  const kinds = new Map<string, MatchedBy>();
  const concept = resource.medicationCodeableConcept;
  const medication = resolve(resource, resource.medicationReference, 'Medication');

  // spec 9: a code in the request itself (an ingredient coding sent beside the product's), or the Medication's
  for (const m of codedMatches(valueSets, 'medication', [concept, medication?.code])) addKind(kinds, m.value, 'code');
  // spec 9: a product code is matched through its Medication.ingredient
  const ingredients = arr(medication?.ingredient).map((ing) => rec(ing)?.itemCodeableConcept);
  for (const m of codedMatches(valueSets, 'medication', ingredients)) addKind(kinds, m.value, 'ingredient');

  const display = str(rec(resource.medicationReference)?.display);
  const medicationText = [concept, medication?.code, medication?.form, ...ingredients]
    .map(conceptText)
    .concat(lowerText(display))
    .filter((t) => t.length > 0)
    .join(' | ');
  if (kinds.size === 0 && medicationText.length > 0) {
    // spec 9: text as the last resort (the caller logs it)
    for (const m of valueSets.matchText('medication', medicationText)) addKind(kinds, m.value, 'text');
  }

  // routes and sites: MedicationRequest.dosageInstruction, MedicationStatement.dosage
  let nonSystemicRoute: string | undefined;
  const sites: unknown[] = [];
  const dosages = [...arr(resource.dosageInstruction), ...arr(resource.dosage)];
  for (const d of dosages) {
    const dosage = rec(d);
    if (dosage === undefined) continue;
    nonSystemicRoute ??= codedMatches(valueSets, 'non-systemic-route', dosage.route)[0]?.value;
    const routeText = [conceptText(dosage.route), lowerText(dosage.text)].join(' | ');
    nonSystemicRoute ??= valueSets.matchText('non-systemic-route', routeText)[0]?.value;
    if (dosage.site !== undefined) sites.push(dosage.site);
  }
  // the product itself may say it (hydrocortisone 1 % cream, budesonide inhaler)
  nonSystemicRoute ??= valueSets.matchText('non-systemic-route', medicationText)[0]?.value;
  const site = readSites(valueSets, sites);

  return {
    kinds,
    // words before codes: the order's own, the reference's, the Medication's
    display:
      conceptLabel(concept, false) ?? display?.slice(0, 200) ?? conceptLabel(medication?.code, false) ??
      conceptLabel(concept) ?? conceptLabel(medication?.code) ?? 'medication',
    nonSystemicRoute,
    hipSite: site.site !== undefined,
    siteSide: site.side,
  };
}
