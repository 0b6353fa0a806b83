/**
 * What a radiology report says about a hip (clinical-spec.md section 12, design.md section 5):
 * one statement per sentence (or clause), hip, finding and certainty, with its provenance.
 */
import type { ReportFindingId, ReportLanguage, StudyKind } from '../rules/kinds/report-lexicon.js';

export type { ReportFindingId, ReportLanguage, StudyKind } from '../rules/kinds/report-lexicon.js';

export type Certainty = 'affirmed' | 'negated' | 'uncertain';

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

/** Something about a report that was not read, or not read whole (ids and reasons only, no report text). */
export interface ReportNote {
  readonly report: string;
  readonly code:
    | 'invalid-base64' | 'binary-content' | 'unsupported-charset' | 'text-cut' | 'url-not-read'
    | 'reports-capped' | 'unreadable';
  readonly message: string;
}

export interface ReportReading {
  readonly statements: readonly ReportStatement[];
  readonly notes: readonly ReportNote[];
}

export interface ReadLimits {
  /** Characters of text read per report (64 KB); the rest is cut with a note. */
  readonly maxCharsPerReport: number;
  /** Reports read per patient, newest first; older ones are skipped with a note. */
  readonly maxReports: number;
}

export const DEFAULT_LIMITS: ReadLimits = { maxCharsPerReport: 64 * 1024, maxReports: 50 };
