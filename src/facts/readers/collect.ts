/**
 * What one pass over a patient's resources collects, before the hips are known: each reader of
 * readers/ appends what its resource kind says; extract.ts then attributes it to the hips
 * (hips.ts). Pure: no I/O.
 */
import type { Laterality } from '../anatomy.js';
import type {
  ContraindicationId, FindingId, FindingValue, HipFacts, ImagingModality, PatientFacts, RecordedStage, ScoreFact, Side,
} from '../../engine/patient-facts.js';
import type { Json } from '../read.js';
import type { ValueSets } from '../../rules/valuesets.js';

export type KnownSide = 'left' | 'right';
export type Etiology = HipFacts['etiology'];
export type DataGap = PatientFacts['dataGaps'][number];

/**
 * spec 9: etiology from the code (M87.1x drug-associated, M87.2x traumatic). Interpretation: a hip
 * with codes of several etiologies takes the most specific, traumatic first (it changes spec 8).
 */
export const ETIOLOGY_RANK: Record<Etiology, number> = { 'non-traumatic': 0, 'drug-associated': 1, traumatic: 2 };

export interface OnfhCondition {
  readonly ref: string;
  readonly sides: readonly Side[];
  readonly etiology: Etiology;
  readonly diagnosisDate: string | null;
  readonly recordedAt: number;
  readonly stage: RecordedStage | null;
}

export interface Dated {
  readonly date: string | null;
  readonly at: number;
  readonly order: number;
  readonly ref: string;
}

export interface PendingFinding extends Dated {
  readonly finding: FindingId;
  readonly value: FindingValue;
  readonly side: Laterality | undefined;
}

export interface RefusedFinding {
  readonly ref: string;
  readonly finding: FindingId;
  readonly why: string;
  readonly side: Laterality | undefined;
}

export interface PendingScore extends Dated {
  readonly value: number;
  readonly side: Laterality | undefined;
}

export interface PendingImaging {
  readonly modality: ImagingModality;
  readonly date: string;
  readonly at: number;
  readonly ref: string;
  /** 'both' for a both-hips or pelvis study (spec 2). */
  readonly side: KnownSide | 'both' | undefined;
}

export const byDate = (a: Dated, b: Dated) => (a.at === b.at ? a.order - b.order : a.at < b.at ? -1 : 1);

export function newest<T extends Dated>(list: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const x of list) if (best === undefined || byDate(x, best) >= 0) best = x;
  return best;
}

export function toScoreFact(s: Dated & { readonly value: number }): ScoreFact {
  return { value: s.value, date: s.date, ref: s.ref };
}

export function sidesOf(l: Laterality | undefined): readonly KnownSide[] {
  if (l === undefined) return [];
  return l === 'bilateral' ? ['left', 'right'] : [l];
}

/** Everything the readers collect for one extractFacts call. */
export interface Collector {
  readonly patientId: string;
  readonly ownReference: string;
  readonly valueSets: ValueSets;
  /** facts as of the evaluation date: an observation or study dated later (scheduled, mistyped) is not yet known */
  readonly today: string | null;
  readonly notes: string[];
  readonly dataGaps: DataGap[];
  birthDate: string | null;
  sex: PatientFacts['sex'];
  patientSeen: boolean;
  readonly onfhConditions: OnfhCondition[];
  readonly findings: PendingFinding[];
  readonly refusedFindings: RefusedFinding[];
  readonly imaging: PendingImaging[];
  readonly pain: PendingScore[];
  readonly harris: PendingScore[];
  readonly kneePain: PendingScore[];
  readonly hipPain: (Laterality | undefined)[];
  readonly bmi: PendingScore[];
  readonly auditC: PendingScore[];
  readonly egfr: PendingScore[];
  readonly inr: PendingScore[];
  readonly platelets: PendingScore[];
  readonly smoking: (Dated & { readonly value: boolean | null })[];
  readonly medications: { readonly ref: string; readonly resource: Json }[];
  readonly contraindications: Partial<Record<ContraindicationId, string[]>>;
  alcoholUseDisorder: boolean;
  diabetes: boolean;
  osteoporosis: boolean;
  /** Reading order, the tie-break of equal dates. */
  order: number;
}

export function newCollector(patientId: string, valueSets: ValueSets, today: string | null): Collector {
  return {
    patientId, ownReference: `Patient/${patientId}`, valueSets, today, notes: [], dataGaps: [],
    birthDate: null, sex: 'unknown', patientSeen: false,
    onfhConditions: [], findings: [], refusedFindings: [], imaging: [], pain: [], harris: [], kneePain: [], hipPain: [],
    bmi: [], auditC: [], egfr: [], inr: [], platelets: [], smoking: [], medications: [], contraindications: {},
    alcoholUseDisorder: false, diabetes: false, osteoporosis: false, order: 0,
  };
}

export function gap(acc: Collector, code: string, message: string, extra: Omit<DataGap, 'code' | 'message'>): void {
  acc.dataGaps.push({ code, message, ...extra });
}

export function implausible(acc: Collector, ref: string, what: string, why: string, side: Laterality | undefined): void {
  gap(acc, 'implausible-value', `${what}: ${why}; treated as unknown`, {
    finding: what,
    resource: ref,
    ...(side === 'left' || side === 'right' ? { side } : {}),
  });
}
