/**
 * Typed facts: what the engine knows about a patient once FHIR resources have been read
 * (clinical-spec.md sections 1–3, 6, 9, 10). The engine's input contract: produced by the pure functions of
 * src/facts/ (which import this file), consumed by src/engine/. No FHIR shapes leak past this boundary: the engine never sees a
 * Coding, only the facts below.
 */

import type { ArcoStage, ContraindicationId, Etiology, FindingId, ImagingModality, ReportStatement, Sex, Side, StudyKind } from '../vocabulary/index.js';

export type { ArcoStage, ContraindicationId, FindingId, ImagingModality, Side } from '../vocabulary/index.js';

/** clinical-spec.md 13: a hip a radiology report calls ONFH that has no ONFH condition on the list. */
export interface SuspectedOnfh {
  readonly side: 'left' | 'right';
  readonly report: string;
  readonly date: string;
  readonly text: string;
  readonly studyKind: StudyKind | null;
}

/**
 * A finding's value after unit conversion: percent for extents, mm for depths, degrees for
 * angles, boolean for signs, 'A' | 'B' | 'C1' | 'C2' for jic-type. necrotic-extent given only as
 * a category is stored as 'small' | 'medium' | 'large'.
 */
export type FindingValue = number | boolean | string;

/** One valid finding Observation (status filtered, converted, plausible), attributed to a hip. */
export interface FindingObservation {
  readonly finding: FindingId;
  readonly value: FindingValue;
  /** effectiveDateTime, else effectivePeriod.start, else issued: YYYY-MM-DD (null if none). */
  readonly date: string | null;
  /** "Observation/<id>" */
  readonly ref: string;
}

export interface ImagingFact {
  readonly modality: ImagingModality;
  /** ImagingStudy.started (YYYY-MM-DD). Studies with no date are not listed. */
  readonly date: string;
  /** "ImagingStudy/<id>" */
  readonly ref: string;
}

export interface ScoreFact {
  readonly value: number;
  readonly date: string | null;
  readonly ref: string;
}

export interface RecordedStage {
  readonly arco: ArcoStage | null;
  readonly chinese: string | null; // a ChineseStage code ('Ia' … 'V')
  readonly text?: string;
  readonly ref: string;
}

/** Everything known about one affected hip (a hip with at least one ONFH condition). */
export interface HipFacts {
  readonly side: Side;
  /** An ARCO stage read from a radiology report (clinical-spec.md 12), used when none is computed or recorded. */
  readonly reportedStage?: { readonly arco: ArcoStage; readonly statement: ReportStatement } | null;
  /** A report doubts collapse of this hip ("possible early collapse"): the suspected-collapse follow-up (spec 8, 12). */
  readonly collapseDoubted?: boolean;
  /** "Condition/<id>" of the ONFH conditions of this hip. */
  readonly conditions: readonly string[];
  readonly etiology: Etiology;
  /** Earliest Condition.onsetDateTime, else recordedDate, of this hip's ONFH conditions (YYYY-MM-DD). */
  readonly diagnosisDate: string | null;
  /** Newest stage recorded in Condition.stage.summary, if any. */
  readonly recordedStage: RecordedStage | null;
  /** Newest valid value of each finding (newest wins, spec section 3). */
  readonly findings: Readonly<Partial<Record<FindingId, FindingValue>>>;
  /** Every valid finding observation of this hip, oldest first (for stage history, spec 8). */
  readonly findingHistory: readonly FindingObservation[];
  /** Imaging studies of this hip (sided, or both-hips/pelvis), oldest first. */
  readonly imaging: readonly ImagingFact[];
  /** Hip pain scores 0–10 for this hip (sided to it, or unsided), oldest first. */
  readonly painScores: readonly ScoreFact[];
  /** Harris Hip Scores for this hip (sided to it, or unsided), oldest first. */
  readonly harrisScores: readonly ScoreFact[];
  /** An active hip-pain condition (ICD-10-CM M25.55x) for this side, or unsided. */
  readonly hipPainCondition: boolean;
  /**
   * Pain scores 0–10 (LOINC 72514-3) with a knee body site on this side, or a knee with no side,
   * oldest first. Not hip pain scores (spec 3); TCM (seed 000) counts "pain (hip or knee)" as the
   * clinical sign of progression (spec 7.1). Added by the facts team; optional.
   */
  readonly kneePainScores?: readonly ScoreFact[];
}

export interface DraftOrderFact {
  readonly resourceType: 'MedicationRequest' | 'ServiceRequest' | 'DeviceRequest' | (string & {});
  readonly id: string;
  /** What the order is, by value set (spec sections 9 and 11), e.g. 'zoledronic-acid', 'wheelchair'. */
  readonly kind: string;
  /** How it was recognised: the code itself, an ingredient of a product, or text (logged). */
  readonly matchedBy: 'code' | 'ingredient' | 'text';
  /** Side named by the order's bodySite, or null when it names none. */
  readonly side: Side | null;
  /** What the order says, for the card ("alendronate 70 mg tablet"). */
  readonly display: string;
}

export interface PatientFacts {
  readonly patientId: string;
  /** At least one ONFH condition (spec section 1). */
  readonly inScope: boolean;
  readonly birthDate: string | null;
  readonly sex: Sex;
  readonly hips: readonly HipFacts[];
  /** Every statement read from the radiology reports (clinical-spec.md 12), affected hip or not. */
  readonly reportFindings?: readonly ReportStatement[];
  /** clinical-spec.md 13: hips with ONFH on imaging and not on the problem list. */
  readonly suspectedOnfh?: readonly SuspectedOnfh[];
  readonly bmi: ScoreFact | null;
  readonly smoker: boolean | null;
  readonly auditC: ScoreFact | null;
  readonly alcoholUseDisorder: boolean;
  readonly diabetes: boolean;
  readonly osteoporosis: boolean;
  /** Active systemic corticosteroid orders/statements ("MedicationRequest/<id>", …). */
  readonly corticosteroids: readonly string[];
  /** Active contraindication conditions (spec section 6), with the resources behind each. */
  readonly contraindications: Readonly<Partial<Record<ContraindicationId, readonly string[]>>>;
  /** Platelets < 50×10⁹/L counts as a severe hematologic disorder (spec section 9). */
  readonly plateletsLow: boolean;
  /** Newest platelet count, in 10⁹/L (spec section 9). Added by the facts team; optional. */
  readonly platelets?: ScoreFact | null;
  /** Newest eGFR (LOINC 98979-8, 33914-3), mL/min/1.73 m² as sent (spec section 9). Optional. */
  readonly egfr?: ScoreFact | null;
  /** Newest INR (LOINC 6301-6, 34714-6) (spec section 9). Optional. */
  readonly inr?: ScoreFact | null;
  /**
   * Imaging of each hip, affected or not, oldest first: sided studies, both-hips/pelvis studies,
   * and unsided studies when exactly one sided hip is affected. For spec section 8's
   * contralateral-hip MRI (HipFacts exist only for affected hips). Optional.
   */
  readonly imagingBySide?: Readonly<Record<'left' | 'right', readonly ImagingFact[]>>;
  /** spec 14: an active pregnancy condition, or the newest pregnancy status 'pregnant' within 10 months. */
  readonly pregnant?: boolean;
  /** spec 14: hips with a completed arthroplasty or resurfacing, or a Condition Z96.64x: no femoral head left. */
  readonly replacedHips?: readonly ('left' | 'right')[];
  /** spec 14: hip imaging booked but not done (registered ImagingStudy, active/on-hold ServiceRequest). */
  readonly scheduledImaging?: readonly { readonly side: 'left' | 'right' | 'both'; readonly modality: 'MR' | 'CT' | 'XR' | null; readonly date: string; readonly booked: boolean; readonly ref: string }[];
  /** Data gaps found while reading: side-unknown, finding-side-unknown, implausible-value. */
  readonly dataGaps: readonly {
    readonly code: string;
    readonly side?: Side;
    readonly message: string;
    readonly finding?: string;
    readonly resource?: string;
  }[];
  /** Things read but not understood (logged by the caller, never shown to the patient's chart). */
  readonly notes: readonly string[];
}
