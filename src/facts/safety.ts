/**
 * The facts of clinical-spec.md section 14 (the safety round), read from the patient's resources:
 * age from the birth date, pregnancy, replaced hips, hip imaging already scheduled, and a
 * malignancy coded to the pelvis or hip (a tumour in the ESWT treatment field). Pure, no I/O;
 * every field of the input is checked before use, so bad input is a data gap, never a throw.
 */
import { readSites, type Laterality } from './anatomy.js';
import { isCurrentCondition } from './readers/condition.js';
import { arr, codingsOf, conceptText, dateOnly, isRecord, oneOrMany, rec, refOf, str, type Json } from './read.js';
import type { Side } from '../engine/patient-facts.js';
import type { ValueSets } from '../rules/valuesets.js';

export type KnownSide = 'left' | 'right';

/** A hip imaging study booked but not yet done (registered ImagingStudy, active/on-hold ServiceRequest). */
export interface ScheduledImaging {
  /** The hip it images; 'both' for a bilateral, pelvis or unsided study. */
  readonly side: KnownSide | 'both';
  readonly modality: 'MR' | 'CT' | 'XR' | null;
  /** When it is booked (YYYY-MM-DD): occurrence or start, else the date it was ordered. */
  readonly date: string;
  /** `date` is the booked date (occurrence, start), not only the date the request was written. */
  readonly booked: boolean;
  readonly ref: string;
}

export interface SafetyFacts {
  /** The birth date when it is a plausible one (not after the evaluation date), else null. */
  readonly birthDate: string | null;
  /** spec 14: an active pregnancy Condition, or the newest pregnancy status 'pregnant' within 10 months. */
  readonly pregnant: boolean;
  /** Hips with a completed arthroplasty or resurfacing, or a Condition Z96.64x (spec 14). */
  readonly replacedHips: readonly KnownSide[];
  readonly scheduledImaging: readonly ScheduledImaging[];
  /** Malignancy Conditions coded to the pelvis or hip (a tumour in the ESWT treatment field). */
  readonly fieldTumours: readonly string[];
  readonly dataGaps: readonly { readonly code: string; readonly message: string; readonly side?: Side; readonly resource?: string; readonly finding?: string }[];
}

/** Procedure statuses that mean the operation was done. */
const DONE_PROCEDURE = new Set(['completed']);
/** ServiceRequest statuses that mean the study is still to come (spec 14). */
const OPEN_REQUEST = new Set(['active', 'on-hold']);
/** ServiceRequest intents that are an order; a proposal, plan or option books nothing (clinical review of issue 19). */
const ORDER_INTENT = new Set(['order', 'original-order', 'reflex-order', 'filler-order', 'instance-order']);
/** spec 14: a pregnancy-status observation counts for 10 months. */
const PREGNANCY_STATUS_MONTHS = 10;

function sidesOf(l: Laterality | undefined): readonly KnownSide[] {
  if (l === undefined) return [];
  return l === 'bilateral' ? ['left', 'right'] : [l];
}

/** `now` minus whole months, as YYYY-MM-DD (day clamped to the month). */
function monthsBefore(now: string, months: number): string {
  const y = Number(now.slice(0, 4));
  const m = Number(now.slice(5, 7)) - months;
  const year = y + Math.floor((m - 1) / 12);
  const month = ((((m - 1) % 12) + 12) % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const day = Math.min(Number(now.slice(8, 10)), last);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function belongs(r: Json, patientId: string): boolean {
  const ref = str(rec(r.subject)?.reference) ?? str(rec(r.patient)?.reference);
  if (ref === undefined) return true;
  const m = /(?:^|\/)Patient\/([^/]+?)(?:\/_history\/[^/]*)?$/.exec(ref);
  return m === null || m[1] === patientId;
}

export function readSafetyFacts(resources: readonly unknown[], valueSets: ValueSets, patientId: string, now: string): SafetyFacts {
  const gaps: { code: string; message: string; side?: Side; resource?: string; finding?: string }[] = [];
  let birthDate: string | null = null;
  let birthSeen = false;
  let pregnantByCondition = false;
  const pregnancyStatus: { date: string | null; pregnant: boolean; ref: string }[] = [];
  const replaced = new Set<KnownSide>();
  const scheduled: ScheduledImaging[] = [];
  const fieldTumours: string[] = [];

  for (const x of resources) {
    if (!isRecord(x) || !belongs(x, patientId)) continue;
    const type = str(x.resourceType);
    const ref = refOf(type ?? 'Resource', x);
    if (type === 'Patient') {
      if (birthSeen || (str(x.id) !== undefined && str(x.id) !== patientId)) continue;
      birthSeen = true;
      const born = dateOnly(x.birthDate);
      if (born === null) {
        gaps.push({ code: 'age-unknown', message: 'No birth date on record (or not a date): age unknown, so whether the patient is an adult (the guideline covers adults) is not checked', resource: ref });
      } else if (born > now) {
        gaps.push({ code: 'implausible-value', finding: 'birthDate', message: `Birth date ${born} is after the evaluation date: age treated as unknown`, resource: ref });
      } else {
        birthDate = born;
      }
    } else if (type === 'Condition') {
      if (!isCurrentCondition(x)) continue;
      for (const coding of codingsOf(x.code)) {
        for (const m of valueSets.lookup(coding.system, coding.code)) {
          if (m.valueSet === 'pregnancy') {
            const dated = dateOnly(x.onsetDateTime) ?? dateOnly(rec(x.onsetPeriod)?.start) ?? dateOnly(x.recordedDate);
            if (dated === null) {
              pregnantByCondition = true;
              gaps.push({ code: 'pregnancy-undated', message: 'A pregnancy condition with no date is on record: taken as current (the advice is adapted for pregnancy); resolve or date it if the pregnancy is over', resource: ref });
            } else if (dated < monthsBefore(now, PREGNANCY_STATUS_MONTHS)) {
              // clinical review of issue 19: a pregnancy dated over 10 months ago, still "active", is a
              // problem-list entry nobody closed, not a current pregnancy (the window of the status Observation)
              gaps.push({ code: 'pregnancy-stale', message: `A pregnancy condition dated ${dated} (over ${String(PREGNANCY_STATUS_MONTHS)} months ago) is still active: not taken as current; resolve it, or record the pregnancy again if it is current`, resource: ref });
            } else {
              pregnantByCondition = true;
            }
          } else if (m.valueSet === 'hip-replacement') {
            const side = m.side ?? readSites(valueSets, oneOrMany(x.bodySite)).side;
            markReplaced(side, ref);
          } else if (m.valueSet === 'contraindication' && m.value === 'malignancy') {
            const site = readSites(valueSets, oneOrMany(x.bodySite)).site;
            if (site !== undefined && !fieldTumours.includes(ref)) fieldTumours.push(ref);
          }
        }
      }
    } else if (type === 'Procedure') {
      if (!DONE_PROCEDURE.has(str(x.status) ?? '')) continue;
      const isReplacement = codingsOf(x.code).some((c) => valueSets.find('hip-replacement', c.system, c.code) !== undefined)
        || valueSets.matchText('hip-replacement', conceptText(x.code)).length > 0;
      if (!isReplacement) continue;
      markReplaced(readSites(valueSets, oneOrMany(x.bodySite)).side, ref);
    } else if (type === 'Observation') {
      if (!codingsOf(x.code).some((c) => valueSets.find('observation', c.system, c.code)?.value === 'pregnancy-status')) continue;
      const status = str(x.status);
      if (status === 'entered-in-error' || status === 'cancelled') continue;
      const answer = codingsOf(x.valueCodeableConcept).map((c) => valueSets.find('pregnancy-status', c.system, c.code)?.value).find((v) => v !== undefined)
        ?? valueSets.matchText('pregnancy-status', conceptText(x.valueCodeableConcept) || (str(x.valueString) ?? '')).at(-1)?.value;
      if (answer !== 'pregnant' && answer !== 'not-pregnant') continue;
      const date = dateOnly(x.effectiveDateTime) ?? dateOnly(rec(x.effectivePeriod)?.start) ?? dateOnly(x.issued);
      if (date !== null && date > now) continue;
      pregnancyStatus.push({ date, pregnant: answer === 'pregnant', ref });
    } else if (type === 'ImagingStudy' && str(x.status) === 'registered') {
      const study = scheduledStudy(x, valueSets, ref);
      if (study !== undefined) scheduled.push(study);
    } else if (type === 'ServiceRequest' && OPEN_REQUEST.has(str(x.status) ?? '') && ORDER_INTENT.has(str(x.intent) ?? 'order')) {
      const request = scheduledRequest(x, valueSets, ref);
      if (request !== undefined) scheduled.push(request);
    }
  }

  function markReplaced(side: Laterality | undefined, ref: string): void {
    const sides = sidesOf(side);
    if (sides.length === 0) {
      gaps.push({ code: 'replacement-side-unknown', side: 'unknown', resource: ref, message: 'A hip replacement is on record without its side: both hips are still assessed; record the side (code or body site)' });
    }
    for (const s of sides) replaced.add(s);
  }

  // The newest pregnancy status decides; undated ones count as oldest, and one of them valued pregnant as current (with a gap).
  pregnancyStatus.sort((a, b) => (a.date ?? '').localeCompare(b.date ?? ''));
  const newest = pregnancyStatus.at(-1);
  let pregnantByStatus = false;
  if (newest?.pregnant === true) {
    if (newest.date === null) {
      pregnantByStatus = true;
      gaps.push({ code: 'pregnancy-undated', resource: newest.ref, message: 'A pregnancy status "pregnant" with no date is on record: taken as current (the advice is adapted for pregnancy)' });
    } else {
      pregnantByStatus = newest.date >= monthsBefore(now, PREGNANCY_STATUS_MONTHS);
    }
  }

  return {
    birthDate,
    pregnant: pregnantByCondition || pregnantByStatus,
    replacedHips: (['right', 'left'] as const).filter((s) => replaced.has(s)),
    scheduledImaging: scheduled,
    fieldTumours,
    dataGaps: gaps,
  };
}

function sideOrBoth(l: Laterality | undefined): KnownSide | 'both' {
  return l === 'left' || l === 'right' ? l : 'both';
}

const MODALITY_OF_DICOM: Readonly<Record<string, 'MR' | 'CT' | 'XR'>> = { MR: 'MR', CT: 'CT', CR: 'XR', DX: 'XR' };

/** A registered ImagingStudy of the hip or pelvis (series body site, or the study's own words). */
function scheduledStudy(s: Json, valueSets: ValueSets, ref: string): ScheduledImaging | undefined {
  const concepts: unknown[] = [];
  let modality: 'MR' | 'CT' | 'XR' | null = null;
  for (const c of codingsOf(s.modality)) {
    const m = valueSets.find('imaging-modality', c.system, c.code)?.value;
    if (m !== undefined) modality ??= MODALITY_OF_DICOM[m] ?? null;
  }
  for (const x of arr(s.series)) {
    const series = rec(x);
    if (series === undefined) continue;
    concepts.push(series.bodySite, series.laterality);
    const c = codingsOf(series.modality)[0];
    const m = c === undefined ? undefined : valueSets.find('imaging-modality', c.system, c.code)?.value;
    if (m !== undefined) modality ??= MODALITY_OF_DICOM[m] ?? null;
  }
  const text = [str(s.description) ?? '', ...arr(s.procedureCode).map(conceptText)].join(' ').trim();
  if (text !== '') concepts.push({ text });
  const site = readSites(valueSets, concepts.filter((c) => c !== undefined));
  if (site.site === undefined || modality === null) return undefined;
  const date = dateOnly(s.started);
  if (date === null) return undefined;
  return { side: sideOrBoth(site.side), modality, date, booked: true, ref };
}

/** An active or on-hold ServiceRequest for hip or pelvis imaging (an imaging-order code, or its words). */
function scheduledRequest(r: Json, valueSets: ValueSets, ref: string): ScheduledImaging | undefined {
  let modality: 'MR' | 'CT' | 'XR' | null = null;
  let side: Laterality | undefined;
  for (const c of codingsOf(r.code)) {
    const order = valueSets.find('imaging-order', c.system, c.code);
    if (order === undefined) continue;
    modality = order.modality ?? null;
    side = order.side;
    break;
  }
  const text = conceptText(r.code);
  const bodySite = readSites(valueSets, [...oneOrMany(r.bodySite), ...(text === '' ? [] : [{ text }])]);
  if (modality === null) {
    const named = valueSets.matchText('imaging-request', text)[0]?.value;
    if (named !== 'MR' && named !== 'CT' && named !== 'XR') return undefined;
    if (bodySite.site === undefined) return undefined; // an MRI of the knee or the spine is not hip imaging
    modality = named;
  }
  const bookedDate = dateOnly(r.occurrenceDateTime) ?? dateOnly(rec(r.occurrencePeriod)?.start);
  const date = bookedDate ?? dateOnly(r.authoredOn);
  if (date === null) return undefined;
  return { side: sideOrBoth(side === 'bilateral' ? 'bilateral' : (bodySite.side ?? side)), modality, date, booked: bookedDate !== null, ref };
}
