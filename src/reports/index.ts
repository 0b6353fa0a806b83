/**
 * Radiology report text → sided statements with certainty (clinical-spec.md section 12,
 * design.md sections 5 and 8). Pure: no I/O, no logging, never throws; what could not be read
 * is a note naming the report (no report text in notes).
 *
 *   readReports(resources, lexicons) → { statements, notes }
 *
 * Each report: its text parts (sources.ts), sentences (sentences.ts), section headings and sided
 * headings ("Right hip:"), then each sentence in its own language (a sentence mostly in Chinese
 * characters is read with the Chinese lexicon) by SentenceReader (sentence.ts). Side falls back
 * from the sentence to the heading to the study's own side; a side with a prosthesis in the
 * report has no femoral head, so nothing of that side is read from it.
 */
import type { CompiledReportLexicon, ReportLexicons } from '../rules/report-lexicon-types.js';
import type { SideWord } from '../vocabulary/index.js';
import { normalizeText } from '../rules/kinds/report-lexicon.js';
import { splitSentences } from './sentences.js';
import { SentenceReader } from './sentence.js';
import type { ReportSource } from './sources.js';
import { reportSources } from './sources.js';
import type { ReadLimits, ReportNote, ReportReading, ReportStatement } from './types.js';
import { DEFAULT_LIMITS } from './types.js';

export type { ReadLimits, ReportReading } from './types.js';

const QUOTE_MAX = 300;
const HAS_WORD = /\p{L}/u;
const HAN = /[\u3400-\u9fff\uf900-\ufaff]/;

/** A sentence is Chinese when Han characters carry it (a Han character is about a word of four letters). */
function lexiconFor(text: string, lexicons: ReportLexicons): CompiledReportLexicon {
  let han = 0;
  let latin = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0xf900 && c <= 0xfaff)) han++; // CJK ideographs
    else if ((c | 32) >= 97 && (c | 32) <= 122) latin++;
  }
  return han > 0 && han * 4 >= latin ? lexicons.zh : lexicons.en;
}

/** The written sentence without a leading heading ("FINDINGS:", "【诊断意见】"). */
function withoutLabel(text: string): string {
  const m = /^[^:：】\]]{0,60}[:：】\]]/.exec(text);
  return m ? text.slice(m[0].length).trim() : text;
}

const quote = (text: string): string => (text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX - 1)}…` : text);

/** "Right hip:" opening a sentence: a short label holding a side word and nothing a finding is made of. */
function sidedLabel(norm: string, lex: CompiledReportLexicon): { sides: SideWord[]; rest: number; hip: boolean } | null {
  // "Right hip:" before text, or "RIGHT HIP" alone on its line (a table cell, a heading line).
  const colon = norm.indexOf(':');
  const alone = colon < 0 && norm.length <= 40;
  if (!alone && (colon <= 0 || colon > 40)) return null;
  const label = alone ? norm.replace(/[.。]$/, '') : norm.slice(0, colon);
  const tooLong = lex.language === 'en' ? label.trim().split(' ').length > 5 : label.trim().length > 12;
  if (tooLong) return null;
  const hits = lex.scan(label);
  const sides = hits.flatMap((h) => (h.tag.type === 'side' ? [h.tag.side] : []));
  const other = hits.some((h) => ['finding', 'negation', 'uncertainty', 'distractor', 'prosthesis', 'arco'].includes(h.tag.type));
  const hip = hits.some((h) => h.tag.type === 'hip-site');
  return sides.length > 0 && !other ? { sides, rest: alone ? norm.length : colon + 1, hip } : null;
}

function toSides(sides: readonly SideWord[]): ('left' | 'right')[] {
  if (sides.includes('bilateral') || (sides.includes('left') && sides.includes('right'))) return ['left', 'right'];
  return sides.filter((s): s is 'left' | 'right' => s === 'left' || s === 'right');
}

/**
 * In a study of both hips, an unsided negation ("No avascular necrosis.") is about both hips,
 * except a hip for which the report affirms that finding elsewhere. An unsided affirmation stays
 * unknown: which hip has it, the report does not say.
 */
function bothHipsNegations(statements: readonly ReportStatement[], source: ReportSource): ReportStatement[] {
  if (!source.studyBothHips) return [...statements];
  const affirmed = new Set(statements.filter((s) => s.certainty !== 'negated').map((s) => `${s.side}|${s.finding}`));
  return statements.flatMap((s) => {
    if (s.side !== 'unknown' || s.certainty !== 'negated') return [s];
    return (['left', 'right'] as const).filter((side) => !affirmed.has(`${side}|${s.finding}`)).map((side) => ({ ...s, side }));
  });
}

function readSource(source: ReportSource, lexicons: ReportLexicons): ReportStatement[] {
  const statements: ReportStatement[] = [];
  const replaced = new Set<'left' | 'right' | 'unknown'>();
  const abbreviation = (w: string): boolean => lexicons.en.abbreviations.has(w);
  for (const part of source.parts) {
    let section = part.section ?? 'text';
    let read = true;
    let headingSides: ('left' | 'right')[] = [];
    let headingHip = false;
    let lineSide: 'left' | 'right' | null = null;
    const anyHan = HAN.test(part.text);
    for (const sentence of splitSentences(part.text, abbreviation)) {
      if (sentence.lineStart) lineSide = null;
      if (!HAS_WORD.test(sentence.text)) continue;
      const lex = anyHan ? lexiconFor(sentence.text, lexicons) : lexicons.en;
      let norm = normalizeText(sentence.text).trim();
      let written = sentence.text;
      const heading = lex.heading(norm);
      if (heading) {
        section = heading.section;
        read = heading.read;
        headingSides = [];
        headingHip = false;
        norm = norm.slice(heading.rest).trim();
        written = withoutLabel(written);
      }
      if (!read || norm === '') continue;
      const label = sidedLabel(norm, lex);
      if (label) {
        headingSides = toSides(label.sides);
        headingHip = label.hip;
        lineSide = null;
        norm = norm.slice(label.rest).trim();
        written = withoutLabel(written);
      }
      const reader = new SentenceReader(norm, lex.scan(norm), lex, source.studyOtherSite, headingHip);
      const reading = reader.read();
      // Interpretation: an unsided sentence continues the one before it on its line ("… in the left femoral
      // head. Collapse of 0.3 cm." / "1. Right femoral head AVN. Resolved marrow edema."), then the heading, then the study.
      const fallback: ('left' | 'right' | 'unknown')[] = lineSide ? [lineSide] : headingSides.length > 0 ? headingSides : [source.studySide ?? 'unknown'];
      lineSide = reader.namedSide() ?? (reader.namesAnySide() ? null : lineSide);
      for (const p of reading.prostheses) for (const s of p.length > 0 ? toSides(p) : fallback) replaced.add(s);
      for (const f of reading.findings) {
        const sides = f.sides.length > 0 ? toSides(f.sides) : fallback;
        for (const side of sides) {
          statements.push({
            report: source.ref, date: source.date, studyKind: source.studyKind, side, finding: f.finding, certainty: f.certainty,
            ...(f.value !== undefined ? { value: f.value } : {}),
            text: quote(written.trim()), section, language: lex.language,
          });
        }
      }
    }
  }
  const seen = new Set<string>();
  return bothHipsNegations(statements, source).filter((s) => {
    const key = `${s.side}|${s.finding}|${s.certainty}|${String(s.value)}|${s.text}`;
    if (replaced.has(s.side) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Every radiology report of a record → its statements; the newest `maxReports` are read. */
export function readReports(resources: readonly unknown[], lexicons: ReportLexicons, limits: ReadLimits = DEFAULT_LIMITS): ReportReading {
  const { sources, notes } = reportSources(Array.isArray(resources) ? resources : [], lexicons, limits.maxCharsPerReport);
  const allNotes: ReportNote[] = [...notes];
  const newestFirst = [...sources].sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''));
  const read = newestFirst.slice(0, limits.maxReports);
  for (const skipped of newestFirst.slice(limits.maxReports)) {
    allNotes.push({ report: skipped.ref, code: 'reports-capped', message: `not read: only the newest ${limits.maxReports} radiology reports are read` });
  }
  const statements: ReportStatement[] = [];
  for (const source of read) {
    try {
      statements.push(...readSource(source, lexicons));
    } catch {
      // A guard, not a path: a report the reader cannot handle is skipped and named, never a failed call.
      allNotes.push({ report: source.ref, code: 'unreadable', message: 'report text could not be read' });
    }
  }
  return { statements, notes: allNotes };
}
