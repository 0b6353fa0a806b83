/**
 * What a radiology report says about a hip (clinical-spec.md section 12, design.md section 5):
 * one statement per sentence (or clause), hip, finding and certainty, with its provenance.
 */
import type { ReportStatement } from '../vocabulary/index.js';

export type { ReportStatement } from '../vocabulary/index.js';

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
