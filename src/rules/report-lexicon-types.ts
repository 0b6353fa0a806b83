/**
 * The compiled form of the report lexicons (kinds/report-lexicon.ts): what src/reports/ reads
 * report text with. Types only, apart from the loader, so LoadedRules can name them.
 */
import type { ReportFindingId, ReportLanguage, SideWord, SizeWord, StudyKind } from '../vocabulary/index.js';

/** What one matched term means (a term may carry several tags of one type, never two types). */
export type Tag =
  | { readonly type: 'finding'; readonly finding: ReportFindingId; readonly anchored: boolean }
  | { readonly type: 'negation' | 'uncertainty'; readonly before: boolean; readonly after: boolean }
  | { readonly type: 'pseudo' | 'scope-end' | 'list-joiner' | 'hip-site' | 'prosthesis' | 'prior-study' | 'extent-context' | 'arco' | 'other-staging' }
  | { readonly type: 'side'; readonly side: SideWord }
  | { readonly type: 'distractor'; readonly id: string; readonly findings: readonly ReportFindingId[] | null }
  | { readonly type: 'size'; readonly size: SizeWord }
  | { readonly type: 'fraction'; readonly percent: number }
  | { readonly type: 'study'; readonly kind: StudyKind }
  | { readonly type: 'both-hips-study' }
  | { readonly type: 'section'; readonly section: string; readonly read: boolean };

export interface TermHit {
  readonly start: number;
  readonly end: number;
  readonly tag: Tag;
}

export interface NumberHit {
  readonly start: number;
  readonly end: number;
  /** The value in mm (mm, cm) or percent; the upper end of a range. */
  readonly value: number;
  readonly unit: 'mm' | 'percent';
}

export interface CompiledReportLexicon {
  readonly language: ReportLanguage;
  readonly rule: { readonly id: string; readonly version: string };
  /** Every term in `normalized` text, leftmost-longest, not overlapping. */
  readonly scan: (normalized: string) => TermHit[];
  /** A section heading at the start of a normalized sentence, and where its content starts. */
  readonly heading: (normalized: string) => { readonly section: string; readonly read: boolean; readonly rest: number } | null;
  readonly numbers: (normalized: string) => NumberHit[];
  /** The ARCO stage written right after an `arco` term ("stage iiia" → "3A"), or null. */
  readonly stageAfter: (normalized: string, from: number) => { readonly stage: string; readonly end: number } | null;
  readonly scopeWindow: number;
  readonly commaContinuesList: boolean;
  readonly extentWindow: number;
  readonly depthWindow: number;
  readonly abbreviations: ReadonlySet<string>;
  /** How the words right around a % or fraction read it (clinical-spec.md 3: necrotic extent is % of the femoral head). */
  readonly extentReading: (normalized: string, at: { start: number; end: number }) => 'extent' | 'not-extent' | 'bound' | null;
}

export interface ReportLexicons {
  readonly en: CompiledReportLexicon;
  readonly zh: CompiledReportLexicon;
  /** `system|code` → what a study code says. */
  readonly studyCodes: ReadonlyMap<string, { readonly kind: StudyKind; readonly side?: SideWord }>;
  readonly radiologyCategories: ReadonlySet<string>;
  readonly narrativeCodes: ReadonlyMap<string, string>;
}

