/**
 * The report corpus (rules/reports/corpus/{en,zh}/*.json, issue 17 item 4): each entry is a report
 * as a hospital writes it, with the statements a reader should find. `corpusResources` builds the
 * FHIR resources an EHR would hold for it; `evaluateCorpus` reads them and scores precision and
 * recall on the distinct (side, finding, certainty, value) tuples of each report. Pure.
 */
import { z } from 'zod';
import type { ReportLexicons } from '../rules/report-lexicon-types.js';
import { REPORT_FINDINGS } from '../vocabulary/index.js';
import { readReports } from './index.js';

const Expected = z.strictObject({
  side: z.enum(['left', 'right', 'unknown']),
  finding: z.enum(REPORT_FINDINGS),
  certainty: z.enum(['affirmed', 'negated', 'uncertain']),
  value: z.union([z.number(), z.string(), z.null()]).optional(),
});

export const CorpusEntrySchema = z.looseObject({
  id: z.string().min(1),
  language: z.enum(['en', 'zh']),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  study: z.looseObject({ code: z.string().optional(), display: z.string().optional(), modality: z.string().optional() }),
  form: z.enum(['conclusion', 'text', 'html', 'observations', 'document-reference']),
  text: z.string().optional(),
  parts: z.array(z.looseObject({ code: z.string().optional(), text: z.string() })).optional(),
  expected: z.array(Expected),
}).superRefine((e, ctx) => {
  if (e.form === 'observations' ? !e.parts : e.text === undefined) {
    ctx.addIssue({ code: 'custom', path: [e.form === 'observations' ? 'parts' : 'text'], message: `form "${e.form}" needs ${e.form === 'observations' ? 'parts' : 'text'}` });
  }
});
export type CorpusEntry = z.output<typeof CorpusEntrySchema>;

const LOINC = 'http://loinc.org';
const RADIOLOGY = { coding: [{ system: LOINC, code: 'LP29684-5', display: 'Radiology' }] };
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** The resources an EHR would hold for this entry: the report, and its result Observations. */
export function corpusResources(e: CorpusEntry): Record<string, unknown>[] {
  const code = {
    ...(e.study.code ? { coding: [{ system: LOINC, code: e.study.code, ...(e.study.display ? { display: e.study.display } : {}) }] } : {}),
    ...(e.study.display ? { text: e.study.display } : {}),
  };
  const id = e.id;
  if (e.form === 'document-reference') {
    return [{
      resourceType: 'DocumentReference', id, status: 'current', docStatus: 'final',
      type: { coding: [{ system: LOINC, code: '18748-4', display: 'Diagnostic imaging study' }] },
      category: [RADIOLOGY], date: `${e.date}T12:00:00Z`, description: e.study.display,
      context: { period: { start: e.date } },
      content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: b64(e.text ?? ''), title: e.study.display } }],
    }];
  }
  const report: Record<string, unknown> = {
    resourceType: 'DiagnosticReport', id, status: 'final', category: [RADIOLOGY], code, effectiveDateTime: e.date, issued: `${e.date}T12:00:00Z`,
  };
  if (e.form === 'conclusion') return [{ ...report, conclusion: e.text }];
  if (e.form === 'text') return [{ ...report, presentedForm: [{ contentType: 'text/plain', data: b64(e.text ?? '') }] }];
  if (e.form === 'html') return [{ ...report, presentedForm: [{ contentType: 'text/html', data: b64(e.text ?? '') }] }];
  const observations = (e.parts ?? []).map((p, i) => ({
    resourceType: 'Observation', id: `${id}-${i + 1}`, status: 'final',
    code: p.code ? { coding: [{ system: LOINC, code: p.code }] } : { text: 'Report text' }, valueString: p.text,
  }));
  return [{ ...report, result: observations.map((o) => ({ reference: `Observation/${o.id}` })) }, ...observations];
}

export interface Score {
  tp: number;
  fp: number;
  fn: number;
}

export interface CorpusMiss {
  readonly id: string;
  readonly kind: 'false-positive' | 'false-negative';
  readonly tuple: string;
}

export interface CorpusResult {
  readonly reports: Readonly<Record<string, number>>;
  readonly byLanguage: Readonly<Record<string, Score>>;
  readonly byFinding: Readonly<Record<string, Readonly<Record<string, Score>>>>;
  readonly misses: readonly CorpusMiss[];
}

const tupleOf = (s: { side: string; finding: string; certainty: string; value?: number | string | null }): string =>
  `${s.side} ${s.finding} ${s.certainty}${s.value === undefined || s.value === null ? '' : ` ${String(s.value)}`}`;

export const precision = (s: Score): number => (s.tp + s.fp === 0 ? 1 : s.tp / (s.tp + s.fp));
export const recall = (s: Score): number => (s.tp + s.fn === 0 ? 1 : s.tp / (s.tp + s.fn));

export function evaluateCorpus(entries: readonly CorpusEntry[], lexicons: ReportLexicons): CorpusResult {
  const reports: Record<string, number> = {};
  const byLanguage: Record<string, Score> = {};
  const byFinding: Record<string, Record<string, Score>> = {};
  const misses: CorpusMiss[] = [];
  for (const e of entries) {
    reports[e.language] = (reports[e.language] ?? 0) + 1;
    const got = new Map(readReports(corpusResources(e), lexicons).statements.map((s) => [tupleOf(s), s.finding]));
    const want = new Map(e.expected.map((s) => [tupleOf(s), s.finding]));
    const lang = (byLanguage[e.language] ??= { tp: 0, fp: 0, fn: 0 });
    const count = (finding: string, key: keyof Score): void => {
      lang[key]++;
      const f = ((byFinding[e.language] ??= {})[finding] ??= { tp: 0, fp: 0, fn: 0 });
      f[key]++;
    };
    for (const [t, finding] of got) {
      if (want.has(t)) count(finding, 'tp');
      else {
        count(finding, 'fp');
        misses.push({ id: e.id, kind: 'false-positive', tuple: t });
      }
    }
    for (const [t, finding] of want) {
      if (got.has(t)) continue;
      count(finding, 'fn');
      misses.push({ id: e.id, kind: 'false-negative', tuple: t });
    }
  }
  return { reports, byLanguage, byFinding, misses };
}

/** clinical-spec.md 12 "Measured": the floor per language. */
export const CORPUS_FLOOR = { precision: 0.95, recall: 0.9 } as const;

const pct = (x: number): string => x.toFixed(3);

/** The eval table as printed by `onfh-cds reports eval`, and whether every language reaches the floor. */
export function describeCorpusResult(r: CorpusResult, withMisses: boolean): { lines: string[]; ok: boolean } {
  const lines: string[] = ['language  reports  precision  recall   tp   fp   fn'];
  // Both languages are read (clinical-spec.md 12): a language with no corpus has no measure, which fails.
  let ok = true;
  for (const lang of ['en', 'zh']) {
    if (r.byLanguage[lang]) continue;
    ok = false;
    lines.push(`${lang.padEnd(10)}      0  no corpus reports: not measured`);
  }
  for (const [lang, s] of Object.entries(r.byLanguage)) {
    const pass = precision(s) >= CORPUS_FLOOR.precision && recall(s) >= CORPUS_FLOOR.recall;
    ok &&= pass;
    lines.push(`${lang.padEnd(10)}${String(r.reports[lang] ?? 0).padStart(7)}  ${pct(precision(s)).padStart(9)}  ${pct(recall(s)).padStart(6)} ${String(s.tp).padStart(4)} ${String(s.fp).padStart(4)} ${String(s.fn).padStart(4)}${pass ? '' : `  below the floor (precision ${CORPUS_FLOOR.precision}, recall ${CORPUS_FLOOR.recall})`}`);
  }
  lines.push('', 'language  finding                 precision  recall   tp   fp   fn');
  for (const [lang, findings] of Object.entries(r.byFinding)) {
    for (const [finding, s] of Object.entries(findings).sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`${lang.padEnd(10)}${finding.padEnd(24)}${pct(precision(s)).padStart(9)}  ${pct(recall(s)).padStart(6)} ${String(s.tp).padStart(4)} ${String(s.fp).padStart(4)} ${String(s.fn).padStart(4)}`);
    }
  }
  if (withMisses) {
    lines.push('');
    for (const m of r.misses) lines.push(`${m.id.padEnd(10)}${m.kind === 'false-positive' ? 'extra  ' : 'missed '} ${m.tuple}`);
  }
  return { lines, ok };
}
