/** Hand-built PatientFacts for engine tests (no FHIR): one affected hip unless told otherwise. */
import type { FindingId, FindingObservation, FindingValue, HipFacts, ImagingFact, PatientFacts, ScoreFact } from '../../src/engine/patient-facts.js';

export interface HipSpec {
  readonly side?: HipFacts['side'];
  /** Current findings; each also becomes a dated observation on `findingDate`. */
  readonly findings?: Partial<Record<FindingId, FindingValue>>;
  readonly findingDate?: string;
  readonly history?: readonly { finding: FindingId; value: FindingValue; date: string }[];
  readonly imaging?: readonly { modality: ImagingFact['modality']; date: string }[];
  readonly pain?: readonly (number | { value: number; date: string })[];
  readonly harris?: number;
  readonly diagnosisDate?: string | null;
  readonly etiology?: HipFacts['etiology'];
  readonly recordedStage?: HipFacts['recordedStage'];
  readonly hipPainCondition?: boolean;
}

export function hip(spec: HipSpec = {}): HipFacts {
  const side = spec.side ?? 'right';
  const date = spec.findingDate ?? '2026-10-01';
  const fromCurrent: FindingObservation[] = Object.entries(spec.findings ?? {}).map(([finding, value], i) => ({
    finding: finding as FindingId, value, date, ref: `Observation/${side}-${i}`,
  }));
  const fromHistory: FindingObservation[] = (spec.history ?? []).map((h, i) => ({ ...h, ref: `Observation/${side}-h${i}` }));
  const findingHistory = [...fromHistory, ...fromCurrent].sort((a, b) => (a.date ?? '').localeCompare(b.date ?? ''));
  const findings: Partial<Record<FindingId, FindingValue>> = {};
  for (const o of findingHistory) findings[o.finding] = o.value;
  const score = (value: number, i: number, d: string): ScoreFact => ({ value, date: d, ref: `Observation/score-${side}-${i}` });
  return {
    side,
    conditions: [`Condition/onfh-${side}`],
    etiology: spec.etiology ?? 'non-traumatic',
    diagnosisDate: spec.diagnosisDate === undefined ? '2025-01-01' : spec.diagnosisDate,
    recordedStage: spec.recordedStage ?? null,
    findings,
    findingHistory,
    imaging: (spec.imaging ?? [{ modality: 'MR', date }]).map((i, n) => ({ ...i, ref: `ImagingStudy/${side}-${n}` })),
    painScores: (spec.pain ?? []).map((p, i) => (typeof p === 'number' ? score(p, i, date) : score(p.value, i, p.date))),
    harrisScores: spec.harris === undefined ? [] : [score(spec.harris, 0, date)],
    hipPainCondition: spec.hipPainCondition ?? false,
  };
}

export function patient(hips: readonly HipFacts[] = [hip()], extra: Partial<PatientFacts> = {}): PatientFacts {
  return {
    patientId: 'p1',
    inScope: hips.length > 0,
    birthDate: '1990-01-01',
    sex: 'male',
    hips,
    bmi: null,
    smoker: null,
    auditC: null,
    alcoholUseDisorder: false,
    diabetes: false,
    osteoporosis: false,
    corticosteroids: [],
    contraindications: {},
    plateletsLow: false,
    dataGaps: [],
    notes: [],
    ...extra,
  };
}
