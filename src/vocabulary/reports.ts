/**
 * What a radiology report statement may say (clinical-spec.md section 12, design.md section 5):
 * produced by reports/, turned into findings by facts/, listed by the engine as reportFindings.
 */

/** clinical-spec.md section 12: the statement ids. */
export const REPORT_FINDINGS = [
  'onfh', 'subchondral-fracture', 'collapse-depth', 'necrotic-extent', 'bone-marrow-edema', 'joint-effusion',
  'joint-space-narrowing', 'mri-necrosis-sign', 'arco-stage',
] as const;
export type ReportFindingId = (typeof REPORT_FINDINGS)[number];

export const STUDY_KINDS = ['MRI', 'CT', 'radiograph', 'bone scan'] as const;
export type StudyKind = (typeof STUDY_KINDS)[number];

export const CERTAINTIES = ['affirmed', 'negated', 'uncertain'] as const;
export type Certainty = (typeof CERTAINTIES)[number];

export type ReportLanguage = 'en' | 'zh';
export type SideWord = 'left' | 'right' | 'bilateral';
export type SizeWord = 'small' | 'medium' | 'large';

/** One sentence (or clause), one hip, one finding, one certainty, with its provenance. */
export interface ReportStatement {
  /** "DiagnosticReport/r1" or "DocumentReference/d1". */
  readonly report: string;
  /** The report's date (effective, else issued), YYYY-MM-DD, or null when it has none. */
  readonly date: string | null;
  readonly studyKind: StudyKind | null;
  /** Bilateral mentions are one statement per side. */
  readonly side: 'left' | 'right' | 'unknown';
  readonly finding: ReportFindingId;
  readonly certainty: Certainty;
  /** mm for collapse-depth, percent or small/medium/large for necrotic-extent, an ARCO code for arco-stage. */
  readonly value?: number | string;
  /** The sentence, as written (cut at 300 characters). */
  readonly text: string;
  /** The report section it was read in: findings, impression, or text (no heading). */
  readonly section: string;
  readonly language: ReportLanguage;
}
