/**
 * Draft orders → DraftOrderFact (clinical-spec.md section 11), recognised through the value sets.
 *
 * The `kind`s the engine keys its order checks on:
 * - MedicationRequest: 'zoledronic-acid', 'alendronate', 'systemic-corticosteroid', 'enoxaparin',
 *   'simvastatin'; an intra-articular corticosteroid to the hip (route intra-articular) is
 *   'intra-articular-corticosteroid-injection'.
 * - ServiceRequest: 'core-decompression', 'eswt', 'hbo', 'prp', 'cell-therapy' (SVF, BMAC, BMMNC,
 *   BMMSC, …), 'ozone', 'radiofrequency', 'intra-articular-corticosteroid-injection',
 *   'total-hip-arthroplasty', 'resurfacing'.
 * - DeviceRequest: 'wheelchair', 'crutch', 'cane', 'walking-frame'.
 * One order may yield several facts ("core decompression with BMAC": 'core-decompression' and
 * 'cell-therapy'), one per kind. An order not understood yields no fact, and a note.
 */
import { readSites, type Laterality } from './anatomy.js';
import { makeResolver, readMedication, type MatchedBy } from './medications.js';
import { arr, codedMatches, conceptLabel, conceptText, isRecord, lowerText, oneOrMany, rec, refOf, str } from './read.js';
import type { DraftOrderFact, Side } from '../engine/patient-facts.js';
import type { ValueSetId, ValueSets } from '../rules/valuesets.js';

function orderSide(l: Laterality | undefined): Side | null {
  // 'bilateral' names no single hip: checked against every affected hip, as an unsided order is
  return l === 'left' || l === 'right' ? l : null;
}

/** Codes first; text (code.text, displays, body site words) only when no code is known. */
function kindsOf(valueSets: ValueSets, set: ValueSetId, concepts: readonly unknown[], extraText: string): Map<string, MatchedBy> {
  const kinds = new Map<string, MatchedBy>();
  for (const m of codedMatches(valueSets, set, concepts)) if (!kinds.has(m.value)) kinds.set(m.value, 'code');
  if (kinds.size > 0) return kinds;
  const text = [...concepts.map(conceptText), extraText].filter((t) => t.length > 0).join(' | ');
  for (const m of valueSets.matchText(set, text)) if (!kinds.has(m.value)) kinds.set(m.value, 'text');
  return kinds;
}

export function classifyDraftOrders(
  drafts: readonly fhir4.FhirResource[],
  valueSets: ValueSets,
  context?: readonly fhir4.FhirResource[],
): { orders: DraftOrderFact[]; notes: string[] } {
  const orders: DraftOrderFact[] = [];
  const notes: string[] = [];
  const draftList = arr(drafts);
  const resolve = makeResolver([...draftList, ...arr(context)]);

  for (const d of draftList) {
    if (!isRecord(d) || typeof d.resourceType !== 'string') {
      notes.push('a draft order that is not a FHIR resource, skipped');
      continue;
    }
    const type = d.resourceType;
    const ref = refOf(type, d);
    const id = str(d.id) ?? '';
    if (id === '') notes.push(`${ref}: draft order without an id (a card cannot remove it)`);
    const push = (kinds: ReadonlyMap<string, MatchedBy>, side: Side | null, display: string) => {
      for (const [kind, matchedBy] of kinds) {
        if (matchedBy === 'text') notes.push(`${ref}: recognised as ${kind} by text only`);
        orders.push({ resourceType: type, id, kind, matchedBy, side, display });
      }
    };
    try {
      switch (type) {
        case 'MedicationRequest': {
          const med = readMedication(valueSets, d, resolve);
          const kinds = new Map(med.kinds);
          if (kinds.has('systemic-corticosteroid') && med.nonSystemicRoute !== undefined) {
            const by = kinds.get('systemic-corticosteroid') ?? 'code';
            kinds.delete('systemic-corticosteroid');
            // spec 11: an intra-articular corticosteroid into the hip is the injection check, not a systemic one
            if (med.nonSystemicRoute === 'intra-articular' && med.hipSite) kinds.set('intra-articular-corticosteroid-injection', by);
            else notes.push(`${ref}: corticosteroid by a ${med.nonSystemicRoute} route, not checked`);
          }
          if (kinds.size === 0) notes.push(`${ref}: not a medication this service checks`);
          push(kinds, orderSide(med.siteSide), med.display);
          break;
        }
        case 'ServiceRequest': {
          const bodySites = oneOrMany(d.bodySite);
          const siteText = bodySites.map(conceptText).join(' | ');
          const kinds = kindsOf(valueSets, 'procedure', [d.code], siteText);
          if (kinds.size === 0) {
            notes.push(`${ref}: not a procedure this service checks`);
            break;
          }
          // spec 11: the hip the order names (bodySite, as in spec 2); else its own words
          const site = readSites(valueSets, bodySites);
          const side = site.side ?? readSites(valueSets, [d.code]).side;
          push(kinds, orderSide(side), conceptLabel(d.code) ?? 'procedure');
          break;
        }
        case 'DeviceRequest': {
          const device = resolve(d, d.codeReference, 'Device');
          const concepts: unknown[] = [d.codeCodeableConcept];
          let extra = '';
          if (device !== undefined) {
            concepts.push(device.type);
            extra = arr(device.deviceName).map((n) => lowerText(rec(n)?.name)).join(' | ');
          }
          const kinds = kindsOf(valueSets, 'device', concepts, extra);
          if (kinds.size === 0) {
            notes.push(`${ref}: not a device this service checks`);
            break;
          }
          const side = orderSide(readSites(valueSets, oneOrMany(d.bodySite)).side);
          push(kinds, side, conceptLabel(d.codeCodeableConcept) ?? conceptLabel(device?.type) ?? 'device');
          break;
        }
        default:
          notes.push(`${ref}: ${type.slice(0, 40)} is not an order this service checks`);
      }
    } catch {
      notes.push(`${ref}: could not be read, skipped`);
    }
  }
  return { orders, notes };
}

