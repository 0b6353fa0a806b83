/**
 * The FHIR R4 resources a card suggests creating: imaging follow-up and referral ServiceRequests,
 * walking-aid DeviceRequests. Every one is a draft order (status `draft`, intent `order`): accepting
 * the suggestion puts an unsigned order in front of the clinician, who still signs it.
 */
import type { HipAssessment } from '../engine/types.js';
import type { FollowUpModality } from '../vocabulary/index.js';
import type { ActionResource } from '../cds-hooks/card.js';
import { SYSTEM, type HipSide, theHips } from './vocabulary.js';

type Hip = Pick<HipAssessment, 'side' | 'etiology' | 'conditions'>;

// ---------------------------------------------------------------------------------------------
// Reason: ONFH of the hip(s) concerned

/** ICD-10-CM femur laterality character (clinical-spec.md section 9). */
const ICD_FEMUR: Readonly<Record<HipSide, { readonly idiopathicStyle: string; readonly traumatic: string }>> = {
  right: { idiopathicStyle: '1', traumatic: '1' },
  left: { idiopathicStyle: '2', traumatic: '2' },
  // Unspecified femur: …59 for M87.0/M87.1, but M87.256 for trauma (spec section 9).
  unknown: { idiopathicStyle: '9', traumatic: '6' },
};

/**
 * The ICD-10-CM code implied by the Assessment, where it determines one. The Assessment carries the
 * etiology, not the Condition's code: `drug-associated` is M87.15x and `traumatic` M87.25x, but
 * `non-traumatic` covers idiopathic, other secondary and other ONFH (M87.05x/.35x/.85x), so no code
 * is guessed there: the reasonReference to the Condition carries the clinician's own code.
 */
function icd10cm(hip: Hip): string | undefined {
  switch (hip.etiology) {
    case 'drug-associated': return `M87.15${ICD_FEMUR[hip.side].idiopathicStyle}`;
    case 'traumatic': return `M87.25${ICD_FEMUR[hip.side].traumatic}`;
    case 'non-traumatic': return undefined;
  }
}

function onfhText(side: HipSide): string {
  return side === 'unknown' ? 'Osteonecrosis of the femoral head (side not recorded)' : `Osteonecrosis of the ${side} femoral head`;
}

/** reasonCode (SNOMED 203476003, plus ICD-10-CM where determined) and reasonReference of hips. */
export function onfhReason(hips: readonly Hip[]): { reasonCode: unknown[]; reasonReference?: unknown[] } {
  const reasonCode = hips.map((hip) => {
    const icd = icd10cm(hip);
    const snomed = { system: SYSTEM.snomed, code: '203476003', display: 'Avascular necrosis of the head of femur' };
    return { coding: icd === undefined ? [snomed] : [snomed, { system: SYSTEM.icd10cm, code: icd }], text: onfhText(hip.side) };
  });
  const conditions = new Set<string>();
  for (const h of hips) for (const c of h.conditions) conditions.add(c);
  if (conditions.size === 0) return { reasonCode };
  return { reasonCode, reasonReference: Array.from(conditions, (reference) => ({ reference })) };
}

type DraftOrder = ActionResource & Record<string, unknown>;

/** A draft order with its reason (onfhReason) written after its other fields, as the JSON has them. */
function withReason(order: DraftOrder, hips: readonly Hip[]): DraftOrder {
  const { reasonCode, reasonReference } = onfhReason(hips);
  order['reasonCode'] = reasonCode;
  if (reasonReference !== undefined) order['reasonReference'] = reasonReference;
  return order;
}

// ---------------------------------------------------------------------------------------------
// Imaging

export type StudyModality = FollowUpModality;
/** `both`: one study of both hips. */
export type StudySide = 'left' | 'right' | 'both';

export interface ImagingOrder {
  readonly modality: StudyModality;
  readonly side: StudySide;
  /** The orderable code (rules/valuesets imaging-order: LOINC by default, a site's own codes if it adds them). */
  readonly coding: { readonly system: string; readonly code: string };
  /** "MRI of the right hip", for labels and text. */
  readonly name: string;
  /** The affected hips this study is for (the reason), and a note when it images another hip. */
  readonly forHips: readonly Hip[];
  readonly note?: string;
}

/** A study one hip needs: its follow-up, or an MRI to stage it or the other hip. */
export interface ImagingNeed {
  readonly modality: StudyModality;
  /** The hip to image (`both`: both hips, e.g. radiographs, MRI when the stage is unknown). */
  readonly side: HipSide | 'both';
  readonly forHip: Hip;
  readonly note?: string;
}

/** An orderable follow-up study code of the value sets (src/facts/valuesets.ts ImagingOrderCode). */
export interface OrderableStudy {
  readonly modality: StudyModality;
  readonly side: 'left' | 'right' | 'bilateral';
  readonly system: string;
  readonly code: string;
}

export function studyName(modality: StudyModality, side: StudySide | 'unknown'): string {
  const where = side === 'both' ? 'both hips' : side === 'unknown' ? 'the hip (side not recorded)' : `the ${side} hip`;
  switch (modality) {
    case 'XR': return 'radiographs of both hips (AP and frog-leg lateral)';
    case 'MR': return `MRI of ${where}`;
    case 'CT': return `CT of ${where}`;
  }
}

/**
 * Turns what each hip needs into as few orders as possible: one bilateral radiograph series,
 * one bilateral MRI when both sides (or an unrecorded side) need one. A CT of a hip of unrecorded
 * side cannot be ordered (no code for it): it is returned in `unorderable`.
 */
export function planImaging(
  needs: readonly ImagingNeed[],
  orderable: readonly OrderableStudy[],
): { orders: ImagingOrder[]; unorderable: ImagingNeed[] } {
  const orders: ImagingOrder[] = [];
  const unorderable: ImagingNeed[] = [];
  const add = (modality: StudyModality, side: StudySide, group: readonly ImagingNeed[]): void => {
    // The first code of that modality and side in the value set (clinical-spec.md 9; a site's own first).
    const code = orderable.find((o) => o.modality === modality && o.side === (side === 'both' ? 'bilateral' : side));
    if (code === undefined || group.length === 0) return;
    const coding = { system: code.system, code: code.code };
    const name = studyName(modality, side);
    const one = group.length === 1 ? group[0] : undefined;
    if (one !== undefined) {
      // the usual case: one need, one hip
      orders.push(one.note !== undefined ? { modality, side, coding, name, forHips: [one.forHip], note: one.note } : { modality, side, coding, name, forHips: [one.forHip] });
      return;
    }
    const bySide = new Map<HipSide, Hip>(); // one per side, the last need's hip, in first-seen order
    const notes = new Set<string>();
    for (const n of group) {
      bySide.set(n.forHip.side, n.forHip);
      if (n.note !== undefined) notes.add(n.note);
    }
    const forHips = [...bySide.values()];
    orders.push(notes.size > 0 ? { modality, side, coding, name, forHips, note: [...notes].join(' ') } : { modality, side, coding, name, forHips });
  };

  const xr = needs.filter((n) => n.modality === 'XR');
  add('XR', 'both', xr);

  const mr = needs.filter((n) => n.modality === 'MR');
  const mrSides = new Set(mr.map((n) => n.side));
  if (mrSides.has('both') || mrSides.has('unknown') || (mrSides.has('left') && mrSides.has('right'))) {
    add('MR', 'both', mr);
  } else {
    add('MR', 'right', mr.filter((n) => n.side === 'right'));
    add('MR', 'left', mr.filter((n) => n.side === 'left'));
  }

  const ct = needs.filter((n) => n.modality === 'CT');
  add('CT', 'right', ct.filter((n) => n.side === 'right' || n.side === 'both'));
  add('CT', 'left', ct.filter((n) => n.side === 'left' || n.side === 'both'));
  unorderable.push(...ct.filter((n) => n.side === 'unknown'));
  return { orders, unorderable };
}

export function imagingServiceRequest(order: ImagingOrder, patientId: string): ActionResource {
  const request = withReason({
    resourceType: 'ServiceRequest',
    status: 'draft',
    intent: 'order',
    category: [{ coding: [{ system: SYSTEM.snomed, code: '363679005', display: 'Imaging' }] }],
    code: { coding: [order.coding], text: order.name },
    subject: { reference: `Patient/${patientId}` },
  }, order.forHips);
  if (order.note !== undefined) request['note'] = [{ text: order.note }];
  return request;
}

// ---------------------------------------------------------------------------------------------
// Referral

export function referralServiceRequest(hips: readonly Hip[], patientId: string): ActionResource {
  return withReason({
    resourceType: 'ServiceRequest',
    status: 'draft',
    intent: 'order',
    category: [{ coding: [{ system: SYSTEM.snomed, code: '3457005', display: 'Patient referral' }] }],
    code: {
      coding: [{ system: SYSTEM.snomed, code: '3457005', display: 'Patient referral' }],
      text: `Orthopaedic surgery referral: surgical evaluation of ${theHips(hips.map((h) => h.side))} (ONFH)`,
    },
    subject: { reference: `Patient/${patientId}` },
    performerType: { text: 'Orthopaedic surgeon' },
  }, hips);
}

// ---------------------------------------------------------------------------------------------
// Walking aids (GL2025 3.7.1: canes, crutches, walking frames; wheelchairs are not recommended)

export type WalkingAid = 'crutches' | 'walking-frame';

const WALKING_AID: Readonly<Record<WalkingAid, { readonly code: string; readonly text: string }>> = {
  // clinical-spec.md section 9: crutch 74566002.
  crutches: { code: '74566002', text: 'Crutches' },
  // Not in clinical-spec.md section 9: SNOMED CT 266731002 |Walking frame (physical object)|.
  'walking-frame': { code: '266731002', text: 'Walking frame' },
};

export function walkingAidName(aid: WalkingAid): string {
  return WALKING_AID[aid].text.toLowerCase();
}

export function walkingAidDeviceRequest(aid: WalkingAid, hips: readonly Hip[], patientId: string): ActionResource {
  const device = WALKING_AID[aid];
  return withReason({
    resourceType: 'DeviceRequest',
    status: 'draft',
    intent: 'order',
    codeCodeableConcept: { coding: [{ system: SYSTEM.snomed, code: device.code }], text: device.text },
    subject: { reference: `Patient/${patientId}` },
  }, hips);
}
