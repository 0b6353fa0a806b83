/**
 * FHIR resources → PatientFacts (clinical-spec.md sections 1–3, 6, 9, 10). One pass over the
 * resources collects what each one says; the hips are then known (from the ONFH conditions) and
 * findings, imaging and scores are attributed to them. Pure: no I/O, never throws.
 */
import { patientIdOf, readSites, type Laterality, type SiteReading } from './anatomy.js';
import { makeResolver, readMedication } from './medications.js';
import { arr, codingsOf, conceptText, dateOnly, instant, isRecord, lowerText, oneOrMany, rec, refOf, str, type Json } from './read.js';
import { readRecordedStage } from './stage.js';
import type {
  ContraindicationId, FindingId, FindingObservation, FindingValue, HipFacts, ImagingFact, ImagingModality,
  PatientFacts, RecordedStage, ScoreFact, Side,
} from './types.js';
import { readFinding, readPlatelets, readScore, type ValueReading } from './values.js';
import { SYSTEMS, type ValueSetMatch, type ValueSets } from './valuesets.js';

type KnownSide = 'left' | 'right';
type Etiology = HipFacts['etiology'];
type DataGap = PatientFacts['dataGaps'][number];

/** spec 3: statuses whose observations are used. */
const USABLE_OBSERVATION = new Set(['final', 'amended', 'corrected', 'preliminary']);
/** spec 1: clinical statuses of a current condition (absent also counts). */
const CURRENT_CLINICAL = new Set(['active', 'recurrence', 'relapse']);
const NOT_TRUE_VERIFICATION = new Set(['refuted', 'entered-in-error']);
/**
 * Active systemic corticosteroid (spec 10): MedicationRequest `active` or `on-hold` (a course
 * paused is still exposure worth reviewing); not `draft` (not yet prescribed: the order-entry
 * check of spec 11 speaks to drafts), nor completed/stopped/cancelled/entered-in-error/unknown.
 * MedicationStatement `active` or `on-hold` likewise; `intended` is not yet taken.
 */
const ACTIVE_MEDICATION = new Set(['active', 'on-hold']);
// spec 14: a registered study is scheduled, not done (src/facts/safety.ts reads it as scheduled imaging)
const UNUSABLE_IMAGING = new Set(['cancelled', 'entered-in-error', 'registered']);

/**
 * spec 9: etiology from the code (M87.1x drug-associated, M87.2x traumatic). Interpretation: a hip
 * with codes of several etiologies takes the most specific, traumatic first (it changes spec 8).
 */
const ETIOLOGY_RANK: Record<Etiology, number> = { 'non-traumatic': 0, 'drug-associated': 1, traumatic: 2 };

/** Plausible ranges of the scores of spec 3 and 9. */
const SCORE_RANGE = {
  pain: [0, 10], harris: [0, 100], 'audit-c': [0, 12], bmi: [1, 150], egfr: [0, 300], inr: [0, 30],
} as const;

interface OnfhCondition {
  readonly ref: string;
  readonly sides: readonly Side[];
  readonly etiology: Etiology;
  readonly diagnosisDate: string | null;
  readonly recordedAt: number;
  readonly stage: RecordedStage | null;
}

interface Dated {
  readonly date: string | null;
  readonly at: number;
  readonly order: number;
  readonly ref: string;
}

interface PendingFinding extends Dated {
  readonly finding: FindingId;
  readonly value: FindingValue;
  readonly side: Laterality | undefined;
}

interface RefusedFinding {
  readonly ref: string;
  readonly finding: FindingId;
  readonly why: string;
  readonly side: Laterality | undefined;
}

interface PendingScore extends Dated {
  readonly value: number;
  readonly side: Laterality | undefined;
}

interface PendingImaging {
  readonly modality: ImagingModality;
  readonly date: string;
  readonly at: number;
  readonly ref: string;
  /** 'both' for a both-hips or pelvis study (spec 2). */
  readonly side: KnownSide | 'both' | undefined;
}

interface HipBuilder {
  readonly side: Side;
  readonly conditions: string[];
  etiology: Etiology;
  diagnosisDate: string | null;
  stage: { readonly value: RecordedStage; readonly at: number } | null;
  readonly findings: PendingFinding[];
  readonly imaging: PendingImaging[];
  readonly pain: PendingScore[];
  readonly harris: PendingScore[];
  readonly kneePain: PendingScore[];
  hipPainCondition: boolean;
}

const byDate = (a: Dated, b: Dated) => (a.at === b.at ? a.order - b.order : a.at < b.at ? -1 : 1);

function newest<T extends Dated>(list: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const x of list) if (best === undefined || byDate(x, best) >= 0) best = x;
  return best;
}

function toScoreFact(s: Dated & { readonly value: number }): ScoreFact {
  return { value: s.value, date: s.date, ref: s.ref };
}

interface When {
  readonly date: string | null;
  readonly at: number;
}

/** spec 3: effectiveDateTime, else effectivePeriod.start, else issued. */
function observationWhen(o: Json): When {
  const raw = str(o.effectiveDateTime) ?? str(rec(o.effectivePeriod)?.start) ?? str(o.issued);
  return { date: dateOnly(raw), at: instant(raw) };
}

function codes(concept: unknown): readonly string[] {
  return codingsOf(concept).flatMap((c) => (c.code === undefined ? [] : [c.code]));
}

/** spec 1: not refuted/entered-in-error; clinicalStatus absent or active/recurrence/relapse. */
export function isCurrentCondition(c: Json): boolean {
  if (codes(c.verificationStatus).some((code) => NOT_TRUE_VERIFICATION.has(code))) return false;
  const clinical = codes(c.clinicalStatus);
  return clinical.length === 0 || clinical.some((code) => CURRENT_CLINICAL.has(code));
}

function sidesOf(l: Laterality | undefined): readonly KnownSide[] {
  if (l === undefined) return [];
  return l === 'bilateral' ? ['left', 'right'] : [l];
}

function asModality(value: string): ImagingModality | undefined {
  return value === 'MR' || value === 'CT' || value === 'CR' || value === 'DX' || value === 'NM' ? value : undefined;
}

export function extractFacts(
  input: { patientId: string; resources: readonly fhir4.FhirResource[] },
  valueSets: ValueSets,
  now: string,
): PatientFacts {
  const inputRec: Json = isRecord(input) ? input : {};
  const patientId = str(inputRec.patientId) ?? '';
  const notes: string[] = [];
  const dataGaps: DataGap[] = [];
  // facts as of the evaluation date: an observation or study dated later (scheduled, mistyped) is not yet known
  const today = typeof now === 'string' && now.length === 10 ? dateOnly(now) : null;

  let birthDate: string | null = null;
  let sex: PatientFacts['sex'] = 'unknown';
  let patientSeen = false;
  const onfhConditions: OnfhCondition[] = [];
  const findings: PendingFinding[] = [];
  const refusedFindings: RefusedFinding[] = [];
  const imaging: PendingImaging[] = [];
  const pain: PendingScore[] = [];
  const harris: PendingScore[] = [];
  const kneePain: PendingScore[] = [];
  const hipPain: (Laterality | undefined)[] = [];
  const bmi: PendingScore[] = [];
  const auditC: PendingScore[] = [];
  const egfr: PendingScore[] = [];
  const inr: PendingScore[] = [];
  const platelets: PendingScore[] = [];
  const smoking: (Dated & { readonly value: boolean | null })[] = [];
  const medications: { readonly ref: string; readonly resource: Json }[] = [];
  const contraindications: Partial<Record<ContraindicationId, string[]>> = {};
  let alcoholUseDisorder = false;
  let diabetes = false;
  let osteoporosis = false;
  let order = 0;
  const ownReference = `Patient/${patientId}`;

  const gap = (code: string, message: string, extra: Omit<DataGap, 'code' | 'message'>) => {
    dataGaps.push({ code, message, ...extra });
  };

  const implausible = (ref: string, what: string, why: string, side: Laterality | undefined) => {
    gap('implausible-value', `${what}: ${why}; treated as unknown`, {
      finding: what,
      resource: ref,
      ...(side === 'left' || side === 'right' ? { side } : {}),
    });
  };

  const visitPatient = (p: Json) => {
    const id = str(p.id);
    // another patient's record in the bundle is never read as this one's
    if (patientId !== '' && id !== undefined && id !== patientId) {
      notes.push(`${refOf('Patient', p)}: not the patient ${patientId}, ignored`);
      return;
    }
    if (patientSeen) return;
    patientSeen = true;
    birthDate = dateOnly(p.birthDate);
    const g = p.gender;
    sex = g === 'male' || g === 'female' || g === 'other' ? g : 'unknown';
  };

  const visitCondition = (c: Json) => {
    if (!isCurrentCondition(c)) return;
    const ref = refOf('Condition', c);
    const matches: ValueSetMatch[] = [];
    for (const coding of codingsOf(c.code)) matches.push(...valueSets.lookup(coding.system, coding.code));
    if (matches.length === 0) return;
    let site: SiteReading | undefined;
    const bodySite = () => (site ??= readSites(valueSets, oneOrMany(c.bodySite)));

    let onfh = false;
    let etiology: Etiology = 'non-traumatic';
    let codedSide: Laterality | undefined;
    for (const m of matches) {
      if (m.valueSet === 'onfh-condition') {
        // spec 9: 397758007/398199007 count only with a hip or femoral-head body site
        if (m.requires === 'hip-body-site') {
          const s = bodySite().site;
          if (s !== 'hip' && s !== 'femoral-head' && s !== 'both-hips') {
            notes.push(`${ref}: necrosis of bone without a hip body site, not counted as ONFH`);
            continue;
          }
        }
        onfh = true;
        const e = m.value as Etiology;
        if (ETIOLOGY_RANK[e] > ETIOLOGY_RANK[etiology]) etiology = e;
        if (m.side !== undefined) codedSide = codedSide === undefined || codedSide === m.side ? m.side : 'bilateral';
      } else if (m.valueSet === 'contraindication') {
        const id = m.value as ContraindicationId;
        const list = (contraindications[id] ??= []);
        if (!list.includes(ref)) list.push(ref);
      } else if (m.valueSet === 'risk-condition') {
        if (m.value === 'osteoporosis') osteoporosis = true;
        else if (m.value === 'diabetes') diabetes = true;
        else if (m.value === 'alcohol-use-disorder') alcoholUseDisorder = true;
        else if (m.value === 'hip-pain') hipPain.push(m.side ?? bodySite().side);
      }
    }
    if (!onfh) return;
    // spec 2: the ICD-10-CM laterality character, else bodySite, else unknown
    const side = codedSide ?? bodySite().side;
    const sides: Side[] = side === undefined ? ['unknown'] : [...sidesOf(side)];
    if (side === undefined) {
      gap('side-unknown', 'The side of this ONFH condition is not recorded (code or body site); findings cannot be matched to a hip with certainty', {
        side: 'unknown',
        resource: ref,
      });
    }
    const onset = str(c.onsetDateTime);
    const recorded = str(c.recordedDate);
    onfhConditions.push({
      ref,
      sides,
      etiology,
      diagnosisDate: dateOnly(onset ?? recorded),
      recordedAt: instant(recorded ?? onset),
      stage: readRecordedStage(valueSets, c, ref),
    });
  };

  const readObservationPart = (o: Json, part: Json, ref: string, whenOf: () => When, sideOf: () => SiteReading) => {
    const match = observationCodeMatch(valueSets, part.code);
    if (match === undefined) return;
    const status = str(o.status);
    if (status === undefined || !USABLE_OBSERVATION.has(status)) return; // spec 3
    const when = whenOf();
    if (today !== null && when.date !== null && when.date > today) {
      notes.push(`${ref}: dated after the evaluation date ${today}, ignored`);
      return;
    }
    // fields spelled out: an object spread here was most of fact extraction's time (V8's generic clone)
    const stamp: Dated = { date: when.date, at: when.at, order: order++, ref };
    if (match.valueSet === 'finding') {
      const finding = match.value as FindingId;
      const site = sideOf();
      const reading = readFinding(valueSets, finding, part);
      // attributed to a hip like the finding itself would have been (buildHips)
      if (reading.kind === 'implausible') refusedFindings.push({ ref, finding, why: reading.why, side: site.side });
      else if (reading.kind === 'unreadable') notes.push(`${ref}: ${finding} ${reading.why}, ignored`);
      else findings.push({ date: stamp.date, at: stamp.at, order: stamp.order, ref, finding, value: reading.value, side: site.side });
      return;
    }
    const take = (list: PendingScore[], reading: ValueReading, what: string, side?: Laterality) => {
      if (reading.kind === 'implausible') implausible(ref, what, reading.why, side);
      else if (reading.kind === 'unreadable') notes.push(`${ref}: ${what} ${reading.why}, ignored`);
      else if (typeof reading.value === 'number') list.push({ date: stamp.date, at: stamp.at, order: stamp.order, ref, value: reading.value, side });
    };
    switch (match.value) {
      case 'pain':
      case 'harris': {
        const site = sideOf();
        // TCM (seed 000): knee pain is kept apart, for spec 7.1's "pain (hip or knee)"
        if (site.knee && match.value === 'pain') {
          take(kneePain, readScore(part, 0, 10), 'knee pain', site.side);
          return;
        }
        // spec 3: a hip pain score has a hip body site (spec 9: hip, femoral head, femur) or none
        if (site.otherSite) return;
        const [min, max] = SCORE_RANGE[match.value];
        take(match.value === 'pain' ? pain : harris, readScore(part, min, max), match.value, site.side);
        return;
      }
      case 'bmi':
      case 'audit-c':
      case 'egfr':
      case 'inr': {
        const [min, max] = SCORE_RANGE[match.value];
        const list = match.value === 'bmi' ? bmi : match.value === 'audit-c' ? auditC : match.value === 'egfr' ? egfr : inr;
        take(list, readScore(part, min, max), match.value);
        return;
      }
      case 'platelets':
        take(platelets, readPlatelets(part), 'platelets');
        return;
      case 'smoking-status':
        smoking.push({ date: stamp.date, at: stamp.at, order: stamp.order, ref, value: readSmoking(valueSets, part) });
        return;
      default:
        return;
    }
  };

  const visitObservation = (o: Json) => {
    // Most observations of a chart (vitals, labs) are in no value set: decided on their codes
    // alone, before anything is built for them.
    if (!isObservationRead(valueSets, o)) return;
    const ref = refOf('Observation', o);
    let when: When | undefined;
    let site: SiteReading | undefined;
    const sideOf = () => (site ??= readSites(valueSets, oneOrMany(o.bodySite)));
    const whenOf = () => (when ??= observationWhen(o));
    // most observations (vitals, labs) stop at the first Map lookup
    readObservationPart(o, o, ref, whenOf, sideOf);
    for (const c of arr(o.component)) {
      const part = rec(c);
      if (part !== undefined) readObservationPart(o, part, ref, whenOf, sideOf);
    }
  };

  const visitImagingStudy = (s: Json) => {
    const ref = refOf('ImagingStudy', s);
    const status = str(s.status);
    if (status !== undefined && UNUSABLE_IMAGING.has(status)) return;
    // ImagingStudy.started, else the earliest series.started (some PACS fill only the series)
    const started = str(s.started) ?? earliestSeriesStart(s);
    const date = dateOnly(started);
    const studyModalities = new Set<ImagingModality>();
    for (const c of codingsOf(s.modality)) {
      const m = imagingModality(valueSets, c.system, c.code);
      if (m !== undefined) studyModalities.add(m);
    }
    const parts: { modality: ImagingModality; site: SiteReading }[] = [];
    // the study's own words (description, procedure) when a series does not say
    const studyText = { text: [str(s.description) ?? '', ...arr(s.procedureCode).map(conceptText)].join(' | ').slice(0, 2000) };
    // free text adds a hip site or side, or says knee; "MRI" or "CT chest" with no coded site stay unsided
    const studyRead = readSites(valueSets, studyText.text.trim().length > 3 ? [studyText] : []);
    const studySite: SiteReading = { ...studyRead, otherSite: studyRead.knee };
    let sawSeries = false;
    for (const x of arr(s.series)) {
      const series = rec(x);
      if (series === undefined) continue;
      sawSeries = true;
      const own = codingsOf(series.modality)[0];
      const modality = own === undefined ? undefined : imagingModality(valueSets, own.system, own.code);
      const seriesSite = readSites(valueSets, [series.bodySite, series.laterality].filter((v) => v !== undefined));
      const siteReading = seriesSite.site === undefined && seriesSite.side === undefined && !seriesSite.otherSite ? studySite : seriesSite;
      const mods = modality !== undefined ? [modality] : [...studyModalities];
      for (const m of mods) parts.push({ modality: m, site: siteReading });
    }
    if (!sawSeries) for (const m of studyModalities) parts.push({ modality: m, site: studySite });
    if (parts.length === 0) return; // not MR, CT, CR, DX or NM
    if (date === null) {
      notes.push(`${ref}: no start date, not listed`);
      return;
    }
    if (today !== null && date > today) {
      notes.push(`${ref}: dated after the evaluation date ${today}, ignored`);
      return;
    }
    const at = instant(started);
    for (const { modality, site } of parts) {
      // a study of another body part (chest, knee) is not hip imaging
      if (site.otherSite) continue;
      const both = site.site === 'both-hips' || site.site === 'pelvis' || site.side === 'bilateral';
      const side = both ? 'both' : site.side;
      if (!imaging.some((i) => i.ref === ref && i.modality === modality && i.side === side)) {
        imaging.push({ modality, date, at, ref, side });
      }
    }
  };

  const visit = (r: unknown, depth: number) => {
    if (!isRecord(r)) {
      notes.push('a resource that is not an object, skipped');
      return;
    }
    const type = r.resourceType;
    if (type === 'Bundle') {
      if (depth > 1) return;
      for (const e of arr(r.entry)) visit(rec(e)?.resource, depth + 1);
      return;
    }
    if (type === 'Patient') {
      visitPatient(r);
      return;
    }
    if (typeof type !== 'string') {
      notes.push('a resource with no resourceType, skipped');
      return;
    }
    const owner = patientIdOf(r, ownReference);
    if (owner !== undefined && patientId !== '' && owner !== patientId) {
      notes.push(`${refOf(type, r)}: about another patient, ignored`);
      return;
    }
    switch (type) {
      case 'Condition':
        visitCondition(r);
        return;
      case 'Observation':
        visitObservation(r);
        return;
      case 'ImagingStudy':
        visitImagingStudy(r);
        return;
      case 'MedicationRequest':
      case 'MedicationStatement':
        // read after the pass: the Medication they reference may come later in the bundle
        medications.push({ ref: refOf(type, r), resource: r });
        return;
      default:
        return;
    }
  };

  const resources = arr(inputRec.resources);
  for (const r of resources) {
    try {
      visit(r, 0);
    } catch {
      // defensive reading should make this unreachable; a broken resource must never stop the rest
      notes.push('a resource that could not be read, skipped');
    }
  }

  // active systemic corticosteroids (spec 10)
  const corticosteroids: string[] = [];
  if (medications.length > 0) {
    const resolve = makeResolver(resources);
    for (const { ref, resource } of medications) {
      try {
        const status = str(resource.status);
        if (status === undefined || !ACTIVE_MEDICATION.has(status)) continue;
        const med = readMedication(valueSets, resource, resolve);
        const by = med.kinds.get('systemic-corticosteroid');
        if (by === undefined) continue;
        if (med.nonSystemicRoute !== undefined) {
          notes.push(`${ref}: corticosteroid by a ${med.nonSystemicRoute} route, not systemic`);
          continue;
        }
        if (by === 'text') notes.push(`${ref}: systemic corticosteroid recognised by text only`);
        corticosteroids.push(ref);
      } catch {
        notes.push(`${ref}: could not be read, skipped`);
      }
    }
  }

  const hips = buildHips(onfhConditions, { valid: findings, refused: refusedFindings }, imaging, { pain, harris, kneePain }, hipPain, dataGaps, notes);
  const imagingBySide = imagingOfEachSide(imaging, hips);
  const newestPlatelets = newest(platelets);
  const newestSmoking = newest(smoking);

  return {
    patientId,
    inScope: hips.length > 0,
    birthDate,
    sex,
    hips,
    bmi: optionalScore(bmi),
    smoker: newestSmoking?.value ?? null,
    auditC: optionalScore(auditC),
    alcoholUseDisorder,
    diabetes,
    osteoporosis,
    corticosteroids,
    contraindications,
    // spec 9: platelets < 50×10⁹/L count as a severe hematologic disorder (the newest count decides)
    plateletsLow: newestPlatelets !== undefined && newestPlatelets.value < 50,
    platelets: optionalScore(platelets),
    egfr: optionalScore(egfr),
    inr: optionalScore(inr),
    imagingBySide,
    dataGaps,
    notes,
  };
}

/**
 * The finding or observation value-set entry of an Observation's (or component's) code, by the
 * first coding that has one (the codings codingsOf reads). Allocates nothing for a code in no value set.
 */
function observationCodeMatch(valueSets: ValueSets, concept: unknown): ValueSetMatch | undefined {
  const c = rec(concept);
  const list = c === undefined ? undefined : c.coding;
  if (c === undefined || !Array.isArray(list) || Array.isArray(concept)) {
    // a lone Coding or a list of concepts: the general reader
    for (const coding of codingsOf(concept)) {
      const m = codingMatch(valueSets, coding.system, coding.code);
      if (m !== undefined) return m;
    }
    return undefined;
  }
  // indexed loops here and in codingMatch: this runs for every observation of the chart, and
  // for-of over the frozen arrays lookup() answers allocates an iterator each time
  for (let i = 0; i < list.length; i++) {
    const coding = rec(list[i]);
    if (coding === undefined) continue;
    const m = codingMatch(valueSets, str(coding.system), str(coding.code));
    if (m !== undefined) return m;
  }
  return undefined;
}

/** Whether an Observation's code or a component's code is in the finding or observation value set. */
function isObservationRead(valueSets: ValueSets, o: Json): boolean {
  if (observationCodeMatch(valueSets, o.code) !== undefined) return true;
  const components = o.component;
  if (!Array.isArray(components)) return false;
  for (const c of components as unknown[]) if (observationCodeMatch(valueSets, rec(c)?.code) !== undefined) return true;
  return false;
}

function codingMatch(valueSets: ValueSets, system: string | undefined, code: string | undefined): ValueSetMatch | undefined {
  const matches = valueSets.lookup(system, code);
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i];
    if (m !== undefined && (m.valueSet === 'finding' || m.valueSet === 'observation')) return m;
  }
  return undefined;
}

function earliestSeriesStart(s: Json): string | undefined {
  let best: string | undefined;
  for (const x of arr(s.series)) {
    const started = str(rec(x)?.started);
    if (started !== undefined && (best === undefined || instant(started) < instant(best))) best = started;
  }
  return best;
}

function optionalScore(list: readonly PendingScore[]): ScoreFact | null {
  const n = newest(list);
  return n === undefined ? null : toScoreFact(n);
}

/** spec 9: DICOM modality; a coding without a system is read as DICOM (the binding of ImagingStudy.modality). */
function imagingModality(valueSets: ValueSets, system: string | undefined, code: string | undefined): ImagingModality | undefined {
  const m = valueSets.find('imaging-modality', system ?? SYSTEMS.dicom, code);
  return m === undefined ? undefined : asModality(m.value);
}

/** spec 9: current smoker codes → true; another answer → false; an "unknown" answer or none → null. */
function readSmoking(valueSets: ValueSets, o: Json): boolean | null {
  let answer: string | undefined;
  for (const c of codingsOf(o.valueCodeableConcept)) {
    answer = valueSets.find('smoking-status', c.system, c.code)?.value;
    if (answer !== undefined) break;
    if (c.code !== undefined) answer = 'not-current';
  }
  if (answer === undefined) {
    const text = [conceptText(o.valueCodeableConcept), lowerText(o.valueString)].join(' | ');
    const said = new Set(valueSets.matchText('smoking-status', text).map((m) => m.value));
    answer = said.has('unknown') ? 'unknown' : said.has('not-current') ? 'not-current' : said.has('current') ? 'current' : undefined;
  }
  return answer === 'current' ? true : answer === 'not-current' ? false : null;
}

const SIDE_ORDER: Record<Side, number> = { right: 0, left: 1, unknown: 2 };

function buildHips(
  conditions: readonly OnfhCondition[],
  { valid: findings, refused }: { readonly valid: readonly PendingFinding[]; readonly refused: readonly RefusedFinding[] },
  imaging: readonly PendingImaging[],
  scores: { readonly pain: readonly PendingScore[]; readonly harris: readonly PendingScore[]; readonly kneePain: readonly PendingScore[] },
  hipPain: readonly (Laterality | undefined)[],
  dataGaps: DataGap[],
  notes: string[],
): HipFacts[] {
  const builders = new Map<Side, HipBuilder>();
  for (const c of conditions) {
    for (const side of c.sides) {
      let hip = builders.get(side);
      if (hip === undefined) {
        hip = {
          side, conditions: [], etiology: c.etiology, diagnosisDate: null, stage: null,
          findings: [], imaging: [], pain: [], harris: [], kneePain: [], hipPainCondition: false,
        };
        builders.set(side, hip);
      }
      if (!hip.conditions.includes(c.ref)) hip.conditions.push(c.ref);
      if (ETIOLOGY_RANK[c.etiology] > ETIOLOGY_RANK[hip.etiology]) hip.etiology = c.etiology;
      // the earliest diagnosis date of the hip's conditions
      if (c.diagnosisDate !== null && (hip.diagnosisDate === null || c.diagnosisDate < hip.diagnosisDate)) hip.diagnosisDate = c.diagnosisDate;
      if (c.stage !== null && (hip.stage === null || c.recordedAt >= hip.stage.at)) hip.stage = { value: c.stage, at: c.recordedAt };
    }
  }
  if (builders.size === 0) return [];
  const all = [...builders.values()];
  const only = all.length === 1 ? all[0] : undefined;

  // spec 2: a sided finding goes to its hip; an unsided one to the only affected hip, else a data gap
  for (const f of findings) {
    if (f.side === undefined) {
      if (only !== undefined) only.findings.push(f);
      else {
        dataGaps.push({
          code: 'finding-side-unknown',
          message: `${f.finding} has no side and more than one hip is affected; ignored`,
          finding: f.finding,
          resource: f.ref,
        });
      }
      continue;
    }
    for (const side of sidesOf(f.side)) {
      const hip = builders.get(side);
      if (hip !== undefined) hip.findings.push(f);
      else notes.push(`${f.ref}: ${f.finding} of the ${side} hip, which has no ONFH condition`);
    }
  }
  // spec 3: an implausible value is a data gap of the hip it belongs to (none for a hip without ONFH)
  for (const r of refused) {
    const sides: readonly Side[] = r.side === undefined ? (only !== undefined ? [only.side] : ['unknown']) : sidesOf(r.side);
    for (const side of sides) {
      if (r.side !== undefined && !builders.has(side)) continue;
      dataGaps.push({
        code: 'implausible-value',
        message: `${r.finding}: ${r.why}; treated as unknown`,
        finding: r.finding,
        resource: r.ref,
        ...(side !== 'unknown' || only !== undefined ? { side } : {}),
      });
    }
  }
  for (const s of imaging) {
    if (s.side === 'both') for (const hip of all) hip.imaging.push(s);
    else if (s.side !== undefined) builders.get(s.side)?.imaging.push(s);
    else if (only !== undefined) only.imaging.push(s);
    else notes.push(`${s.ref}: imaging with no side while more than one hip is affected, not attributed`);
  }
  // HipFacts: scores sided to the hip, or unsided (every hip)
  const scoreSides = (list: readonly PendingScore[], target: 'pain' | 'harris' | 'kneePain') => {
    for (const s of list) {
      const sides = sidesOf(s.side);
      for (const hip of all) {
        if (sides.length === 0 || (hip.side !== 'unknown' && sides.includes(hip.side))) hip[target].push(s);
      }
    }
  };
  scoreSides(scores.pain, 'pain');
  scoreSides(scores.harris, 'harris');
  scoreSides(scores.kneePain, 'kneePain');
  for (const side of hipPain) {
    const sides = sidesOf(side);
    for (const hip of all) {
      if (sides.length === 0 || (hip.side !== 'unknown' && sides.includes(hip.side))) hip.hipPainCondition = true;
    }
  }

  return all
    .sort((a, b) => SIDE_ORDER[a.side] - SIDE_ORDER[b.side])
    .map((hip): HipFacts => {
      const history = [...hip.findings].sort(byDate);
      const latest: Partial<Record<FindingId, FindingValue>> = {};
      for (const f of history) latest[f.finding] = f.value; // spec 3: oldest first, so the newest wins
      return {
        side: hip.side,
        conditions: hip.conditions,
        etiology: hip.etiology,
        diagnosisDate: hip.diagnosisDate,
        recordedStage: hip.stage?.value ?? null,
        findings: latest,
        findingHistory: history.map((f): FindingObservation => ({ finding: f.finding, value: f.value, date: f.date, ref: f.ref })),
        imaging: [...hip.imaging].sort((a, b) => a.at - b.at).map(toImagingFact),
        painScores: [...hip.pain].sort(byDate).map(toScoreFact),
        harrisScores: [...hip.harris].sort(byDate).map(toScoreFact),
        hipPainCondition: hip.hipPainCondition,
        kneePainScores: [...hip.kneePain].sort(byDate).map(toScoreFact),
      };
    });
}

function toImagingFact(s: PendingImaging): ImagingFact {
  return { modality: s.modality, date: s.date, ref: s.ref };
}

/**
 * Imaging of each hip whether affected or not (for spec 8's contralateral MRI): sided studies,
 * both-hips/pelvis studies, and unsided studies when exactly one sided hip is affected.
 */
function imagingOfEachSide(imaging: readonly PendingImaging[], hips: readonly HipFacts[]): Record<KnownSide, ImagingFact[]> {
  const out: Record<KnownSide, ImagingFact[]> = { left: [], right: [] };
  const onlySide = hips.length === 1 ? hips[0]?.side : undefined;
  for (const s of [...imaging].sort((a, b) => a.at - b.at)) {
    if (s.side === 'both') {
      out.left.push(toImagingFact(s));
      out.right.push(toImagingFact(s));
    } else if (s.side !== undefined) out[s.side].push(toImagingFact(s));
    else if (onlySide === 'left' || onlySide === 'right') out[onlySide].push(toImagingFact(s));
  }
  return out;
}
