/**
 * The Assessment: the engine's output before it becomes cards (design.md section 1, fixed contract).
 * Field names, stage codes, status values and data-gap codes are those of clinical-spec.md.
 */
import type {
  ArcoStage, ChineseStage, DataGapCode, Etiology, Evidence, FollowUpModality, Indicator, ModalityId, RecommendationStatus,
  ReportStatement, Side, SizeCategory, Strength,
} from '../vocabulary/index.js';
import type { STAGE_SOURCES } from '../vocabulary/index.js';

export type {
  ArcoStage, ChineseStage, DataGapCode, Etiology, Evidence, FollowUpModality, ModalityId, RecommendationStatus, SizeCategory, Strength,
} from '../vocabulary/index.js';

export interface Recommendation {
  readonly modality: ModalityId;
  readonly status: RecommendationStatus;
  readonly evidence: Evidence;
  readonly strength: Strength;
  /** Why this status, in words a clinician reads (e.g. "Chinese stage I–II"). */
  readonly reasons: readonly string[];
  /** Guideline table or seed, e.g. "GL2025 Table 7". */
  readonly source: string;
  /** core-decompression only: the A1 combinations of GL2025 Table 11 when recommended/consider. */
  readonly combinations?: readonly string[];
  /** Caveats always shown with the modality (e.g. CD: post-operative protected weight bearing). */
  readonly notes?: readonly string[];
}

export interface FollowUp {
  readonly modality: FollowUpModality;
  readonly intervalMonths: 3 | 6 | 12;
  /** Newest imaging study of this hip (MR, CT, CR, DX), YYYY-MM-DD; null when none on record. */
  readonly lastStudy: string | null;
  /** YYYY-MM-DD. */
  readonly due: string;
  readonly overdue: boolean;
  readonly reasons?: readonly string[];
  /** clinical-spec.md 14: hip imaging already booked (YYYY-MM-DD): the follow-up is then not overdue. */
  readonly scheduled?: string;
  /** The booking behind `scheduled` ("ServiceRequest/x", "ImagingStudy/y"). */
  readonly scheduledRef?: string;
}

export interface StageAtDate {
  readonly date: string;
  readonly arco: ArcoStage | null;
  readonly chinese: ChineseStage | null;
  readonly modality?: string;
}

export interface HipStage {
  readonly arco: ArcoStage | null;
  readonly chinese: ChineseStage | null;
  /** computed: from findings; recorded: from Condition.stage.summary; null: neither. */
  readonly source: (typeof STAGE_SOURCES)[number] | null;
  readonly recorded: { readonly arco: ArcoStage | null; readonly chinese: ChineseStage | null; readonly text?: string } | null;
  /** Stage at each imaging date of this hip, oldest first (clinical-spec.md section 8). */
  readonly history?: readonly StageAtDate[];
}

export interface HipAssessment {
  readonly side: Side;
  readonly conditions: readonly string[];
  readonly etiology: Etiology;
  /** Newest value of each finding of clinical-spec.md section 3 known for this hip. */
  readonly findings: Readonly<Record<string, number | boolean | string>>;
  readonly sizeCategory: SizeCategory | null;
  readonly stage: HipStage;
  /** Every modality of clinical-spec.md section 5, once, in table order. */
  readonly recommendations: readonly Recommendation[];
  readonly followUp: FollowUp;
  readonly surgicalEvaluation: { readonly indicated: boolean; readonly reasons: readonly string[] };
  readonly progressionRisk: { readonly high: boolean; readonly factors: readonly string[] };
}

export interface DataGap {
  readonly code: DataGapCode;
  readonly side?: Side;
  readonly message: string;
  /** The finding or resource concerned, where there is one. */
  readonly finding?: string;
  readonly resource?: string;
}

export interface Assessment {
  readonly patientId: string;
  /** The 'now' used, YYYY-MM-DD. */
  readonly evaluatedAt: string;
  readonly inScope: boolean;
  /** Why a patient with ONFH on record is out of scope (clinical-spec.md 14: "under-18"). */
  readonly outOfScopeReason?: 'under-18';
  readonly rules: readonly { readonly id: string; readonly version: string }[];
  readonly hips: readonly HipAssessment[];
  /** clinical-spec.md 14: hips with a replacement (no femoral head), left out of `hips`. */
  readonly replacedHips: readonly ('left' | 'right')[];
  /** clinical-spec.md 14: pregnant (the advice is adapted: contraindications, MRI without contrast). */
  readonly pregnant: boolean;
  readonly conservativeCare: { readonly indicated: boolean; readonly reasons: readonly string[] };
  readonly riskFactors: readonly { readonly id: string; readonly evidence: string; readonly basis?: string }[];
  readonly dataGaps: readonly DataGap[];
  /** Every statement read from the radiology reports, affected hip or not (design.md 5). */
  readonly reportFindings: readonly Omit<ReportStatement, 'section' | 'language'>[];
  /** Hips with an affirmed onfh statement and no ONFH condition (clinical-spec.md 13, design.md 5). */
  readonly suspectedOnfh: readonly { readonly side: 'left' | 'right'; readonly report: string; readonly date: string; readonly text: string; readonly studyKind: ReportStatement['studyKind'] }[];
}

/**
 * The result of checking one draft order (clinical-spec.md section 11). The cards module turns
 * each into a card; orders that need no comment produce no OrderCheck at all.
 */
export interface OrderCheck {
  /** The rule (row of section 11) that fired, e.g. "bisphosphonate". */
  readonly check: string;
  readonly indicator: Indicator;
  /** The draft order, e.g. "MedicationRequest/abc" (resourceType/id as sent in draftOrders). */
  readonly order: { readonly resourceType: string; readonly id: string; readonly display: string };
  /** The hips concerned (the order's side, or every affected hip when it names none). */
  readonly sides: readonly Side[];
  readonly reasons: readonly string[];
  /** Source citation, e.g. "GL2025 Table 6". */
  readonly source: string;
  /** What the card may suggest instead: delete the draft, or replace it (wheelchair → crutches). */
  readonly suggestion?: 'delete-draft' | 'replace-with-walking-aid';
  readonly overrideReasons?: readonly { readonly code: string; readonly display: string }[];
  /** Rule set id@version that produced this check. */
  readonly rule: { readonly id: string; readonly version: string };
}
