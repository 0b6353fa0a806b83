/**
 * Rule kind `report-lexicon` (clinical-spec.md section 12): the words a radiology report is read
 * with, one file per language (rules/reports/en.json, zh.json). Section headings, side words,
 * negation and uncertainty triggers with their scope ends, finding phrases, distractors, value
 * words and the study codes are data; src/reports/ only sequences them. Every list cites where it
 * came from. Terms are literals: they are escaped and joined into one alternation per language,
 * so no rule file can bring a regular expression (or its backtracking) into the reader.
 */
import { z } from 'zod';
import { Citation, Header, requireWhy } from '../schemas.js';
import { termScanner } from '../term-scanner.js';
import { defineKind } from './types.js';
import { REPORT_FINDINGS, STUDY_KINDS } from '../../vocabulary/index.js';
import type { ReportLanguage, SideWord, StudyKind } from '../../vocabulary/index.js';
import type { CompiledReportLexicon, NumberHit, ReportLexicons, Tag } from '../report-lexicon-types.js';

const Term = z.string().min(1).max(80);
const Terms = z.array(Term).min(1);
const Listed = z.strictObject({ source: z.string().min(1).describe('where this list comes from'), terms: Terms });
const Coding = z.strictObject({ system: z.string().min(1), code: z.string().min(1) });

export const ReportLexiconFileSchema = z.strictObject({
  ...Header,
  kind: z.literal('report-lexicon'),
  language: z.enum(['en', 'zh']),
  sections: z.array(z.strictObject({
    section: z.string().regex(/^[a-z][a-z-]*$/),
    read: z.boolean().describe('true: findings/impression are read; false: history, indication, technique, comparison are not'),
    terms: Terms,
    source: z.string().min(1),
  })).min(1),
  sides: z.strictObject({ source: z.string().min(1), left: Terms, right: Terms, bilateral: Terms }),
  negation: z.strictObject({ source: z.string().min(1), before: Terms, after: Terms }),
  uncertainty: z.strictObject({ source: z.string().min(1), before: Terms, after: Terms }),
  pseudoTriggers: Listed.describe('look like a trigger but are not ("no change"): matched and ignored'),
  scopeEnds: Listed.describe('a trigger\'s scope stops here ("but", "however")'),
  listJoiners: Listed.describe('after a comma these carry a trigger\'s scope on to the next item ("or", "and")'),
  commaContinuesList: z.boolean().describe('a comma followed by a joiner or a finding continues a list (English); false: a comma ends a clause (Chinese lists use 、 and 及)'),
  scopeWindow: z.number().int().min(1).max(200).describe('characters from a trigger (or the last finding in its scope) to the next finding it reaches'),
  findings: z.array(z.strictObject({ finding: z.enum(REPORT_FINDINGS), terms: Terms, ...Citation }).superRefine(requireWhy)).min(1),
  hipSites: Listed.describe('words naming the hip or femoral head; a finding phrase containing one is anchored to the hip'),
  distractors: z.array(z.strictObject({
    id: z.string().regex(/^[a-z][a-z-]*$/),
    terms: Terms,
    findings: z.array(z.enum(REPORT_FINDINGS)).min(1).optional().describe('the findings it vetoes (all when absent)'),
    source: z.string().min(1),
  })).min(1),
  prosthesis: Listed.describe('a replaced hip: no femoral head, so no finding of that side is read from the report'),
  priorStudy: Listed.describe('a clause about a prior study, not this one: not read'),
  values: z.strictObject({
    source: z.string().min(1),
    units: z.strictObject({ mm: Terms, cm: Terms, percent: Terms }),
    rangeJoiners: Terms,
    sizes: z.strictObject({ small: Terms, medium: Terms, large: Terms }),
    fractions: z.array(z.strictObject({ terms: Terms, percent: z.number().min(0).max(100) })),
    extentContext: Terms.describe('words of a necrotic lesion: a % or size near one is the necrotic extent'),
    extentAfter: Terms.describe('right after a % or fraction, these make it the necrotic extent ("of the femoral head")'),
    extentExclusions: Terms.describe('right after a % or fraction, these make it something else ("of the articular surface": crescent or JIC location)'),
    boundWords: Terms.describe('a % right after one of these ("under 15 %") is a bound, not a measure'),
    extentWindow: z.number().int().min(1).max(200),
    depthWindow: z.number().int().min(1).max(200),
    arco: Terms,
    stageWords: Terms.describe('words allowed between ARCO and the stage ("stage", "2019", "分期")'),
    otherStaging: Terms.describe('Ficat, Steinberg, JIC: a stage of another system is not an ARCO stage'),
  }),
  studies: z.strictObject({
    source: z.string().min(1),
    titles: z.array(z.strictObject({ kind: z.enum(STUDY_KINDS), terms: Terms })).min(1),
    bothHips: Terms.optional().describe('title words of a study that covers both hips ("pelvis"): an unsided negation in it is about both'),
    codes: z.array(z.strictObject({ ...Coding.shape, kind: z.enum(STUDY_KINDS), side: z.enum(['left', 'right', 'bilateral']).optional() })).optional(),
    radiologyCategories: z.array(Coding).optional().describe('DiagnosticReport.category / DocumentReference type or category of a radiology report'),
    narrativeCodes: z.array(z.strictObject({ ...Coding.shape, section: z.string().regex(/^[a-z][a-z-]*$/) })).optional()
      .describe('result Observation codes whose valueString is report text, and the section it is'),
  }),
  abbreviations: Listed.optional().describe('a full stop after one of these does not end a sentence'),
});
export type ReportLexiconFile = z.output<typeof ReportLexiconFileSchema>;

/**
 * The one normalization of report text and of terms: NFKC (full-width forms, Roman numerals Ⅲ →
 * III, Chinese punctuation "，：" → ",:"), lower case, dashes unified, a hyphen between letters read
 * as a space ("double-line" = "double line"), runs of white space as one space.
 */
export function normalizeText(text: string): string {
  // The common case first: plain ASCII needs no NFKC and no dash folding (measured: a third of reading time).
  const ascii = !NON_ASCII.test(text);
  let out = ascii ? text.toLowerCase() : text.normalize('NFKC').toLowerCase().replace(/[\u2010-\u2015\u2212]/g, '-');
  if (out.includes('-')) out = ascii ? out.replace(/(?<=[a-z])-(?=[a-z])/g, ' ') : out.replace(/(?<=\p{L})-(?=\p{L})/gu, ' ');
  return out.replace(/\s+/g, ' ');
}

const NON_ASCII = /[^\t\n\r -~]/;

const LATIN_EDGE = /[a-z0-9]/;
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A literal term as a regex alternative: word edges where it starts or ends with a letter or digit. */
function alternative(term: string): string {
  const pre = LATIN_EDGE.test(term[0] ?? '') ? '(?<![a-z0-9])' : '';
  const post = LATIN_EDGE.test(term.at(-1) ?? '') ? '(?![a-z0-9])' : '';
  return `${pre}${escape(term)}${post}`;
}

/** Literal terms as one alternation, longest first; used only anchored (a heading, the words after ARCO). */
function alternation(terms: readonly string[]): string {
  return [...new Set(terms)].sort((a, b) => b.length - a.length || (a < b ? -1 : 1)).map(alternative).join('|');
}

interface Entry { readonly term: string; readonly path: string; readonly tag: Tag }

/** Every term of a file with its JSON path and tag (hip-site anchoring is worked out in compile). */
function entries(d: ReportLexiconFile): Entry[] {
  const out: Entry[] = [];
  const add = (terms: readonly string[], path: string, tag: Tag): void => {
    terms.forEach((term, i) => out.push({ term: normalizeText(term).trim(), path: `${path}[${i}]`, tag }));
  };
  d.sections.forEach((s, i) => { add(s.terms, `$.sections[${i}].terms`, { type: 'section', section: s.section, read: s.read }); });
  for (const side of ['left', 'right', 'bilateral'] as const) add(d.sides[side], `$.sides.${side}`, { type: 'side', side });
  for (const type of ['negation', 'uncertainty'] as const) {
    add(d[type].before, `$.${type}.before`, { type, before: true, after: false });
    add(d[type].after, `$.${type}.after`, { type, before: false, after: true });
  }
  add(d.pseudoTriggers.terms, '$.pseudoTriggers.terms', { type: 'pseudo' });
  add(d.scopeEnds.terms, '$.scopeEnds.terms', { type: 'scope-end' });
  add(d.listJoiners.terms, '$.listJoiners.terms', { type: 'list-joiner' });
  d.findings.forEach((f, i) => { add(f.terms, `$.findings[${i}].terms`, { type: 'finding', finding: f.finding, anchored: false }); });
  add(d.hipSites.terms, '$.hipSites.terms', { type: 'hip-site' });
  d.distractors.forEach((x, i) => { add(x.terms, `$.distractors[${i}].terms`, { type: 'distractor', id: x.id, findings: x.findings ?? null }); });
  add(d.prosthesis.terms, '$.prosthesis.terms', { type: 'prosthesis' });
  add(d.priorStudy.terms, '$.priorStudy.terms', { type: 'prior-study' });
  const v = d.values;
  for (const size of ['small', 'medium', 'large'] as const) add(v.sizes[size], `$.values.sizes.${size}`, { type: 'size', size });
  v.fractions.forEach((f, i) => { add(f.terms, `$.values.fractions[${i}].terms`, { type: 'fraction', percent: f.percent }); });
  add(v.extentContext, '$.values.extentContext', { type: 'extent-context' });
  add(v.arco, '$.values.arco', { type: 'arco' });
  add(v.otherStaging, '$.values.otherStaging', { type: 'other-staging' });
  d.studies.titles.forEach((t, i) => { add(t.terms, `$.studies.titles[${i}].terms`, { type: 'study', kind: t.kind }); });
  add(d.studies.bothHips ?? [], '$.studies.bothHips', { type: 'both-hips-study' });
  return out;
}

const listOf = (path: string): string => path.replace(/\[\d+\]$/, '');
const tagKey = (t: Tag): string => JSON.stringify(t.type === 'negation' || t.type === 'uncertainty' ? { type: t.type } : t);

/**
 * Faults beyond the schema, each with its JSON path: a term that is empty once normalized, a term
 * listed twice, or one term given two meanings (a trigger that is also a finding phrase would make
 * the reader's answer depend on list order). A term may be a trigger both before and after.
 */
function lexiconFaults(d: ReportLexiconFile): { path: string; message: string }[] {
  const faults: { path: string; message: string }[] = [];
  const seen = new Map<string, Entry>();
  for (const e of entries(d)) {
    if (e.term === '') {
      faults.push({ path: e.path, message: 'a term that is empty once white space is normalized' });
      continue;
    }
    const before = seen.get(e.term);
    if (before === undefined) {
      seen.set(e.term, e);
      continue;
    }
    const sameMeaning = tagKey(before.tag) === tagKey(e.tag);
    const triggerBothWays = sameMeaning && (e.tag.type === 'negation' || e.tag.type === 'uncertainty') && listOf(before.path) !== listOf(e.path);
    if (triggerBothWays) continue;
    faults.push({
      path: e.path,
      message: sameMeaning ? `"${e.term}" is listed twice (first at ${before.path})` : `"${e.term}" has two meanings: here and at ${before.path}`,
    });
  }
  const valueTerms = [...d.values.extentAfter, ...d.values.extentExclusions, ...d.values.boundWords, ...d.values.units.mm, ...d.values.units.cm, ...d.values.units.percent, ...d.values.rangeJoiners, ...d.values.stageWords];
  valueTerms.forEach((t) => {
    if (normalizeText(t).trim() === '') faults.push({ path: '$.values', message: `value term "${t}" is empty once normalized` });
  });
  return faults;
}

const ROMAN: Readonly<Record<string, string>> = { i: '1', ii: '2', iii: '3', iv: '4', '1': '1', '2': '2', '3': '3', '4': '4' };

/** ARCO 2019 codes: 3A and 3B are the only subtypes; another letter (2A, 3C of older editions) keeps the number. */
function arcoCode(numeral: string, letter: string | undefined): string {
  const n = ROMAN[numeral] ?? '';
  if (n === '3' && (letter === 'a' || letter === 'b')) return `3${letter.toUpperCase()}`;
  return n;
}

function compileOne(d: ReportLexiconFile, rule: { id: string; version: string }): CompiledReportLexicon {
  const list = entries(d).filter((e) => e.term !== '');
  const hipSites = list.filter((e) => e.tag.type === 'hip-site').map((e) => e.term);
  const byTerm = new Map<string, Tag[]>();
  for (const e of list) {
    if (e.tag.type === 'section') continue;
    let tag = e.tag;
    if (tag.type === 'finding' && hipSites.some((s) => e.term.includes(s))) tag = { ...tag, anchored: true };
    const tags = byTerm.get(e.term) ?? [];
    if (!tags.some((t) => tagKey(t) === tagKey(tag))) tags.push(tag);
    else if (tag.type === 'negation' || tag.type === 'uncertainty') {
      const i = tags.findIndex((t) => t.type === tag.type);
      const was = tags[i] as Extract<Tag, { type: 'negation' | 'uncertainty' }>;
      tags[i] = { type: tag.type, before: was.before || tag.before, after: was.after || tag.after };
    }
    byTerm.set(e.term, tags);
  }
  const scan = termScanner(byTerm, d.language === 'en');

  const sections = new Map<string, { section: string; read: boolean }>();
  for (const e of list) if (e.tag.type === 'section') sections.set(e.term, { section: e.tag.section, read: e.tag.read });
  // A heading opens a sentence: optional list marks or brackets, the heading, then ":" or nothing more.
  const headingPattern = new RegExp(`^[\\s#*>-]{0,4}[【\\[(]?\\s?(${alternation([...sections.keys()])})\\s?[】\\])]?\\s?(?::|$|(?<=[】\\])]))`);

  const v = d.values;
  const words = (ts: readonly string[]) => alternation(ts.map((t) => normalizeText(t).trim()));
  const num = '(\\d{1,3}(?:\\.\\d{1,2})?)';
  // Units and range joiners sit right after a number ("2mm", "2-3 mm"): no word edge before them.
  const literal = (ts: readonly string[]) => [...new Set(ts.map((t) => normalizeText(t).trim()))]
    .sort((a, b) => b.length - a.length).map((t) => escape(t) + (/[a-z]$/.test(t) ? '(?![a-z])' : '')).join('|');
  const unitAlt = `(${literal([...v.units.mm, ...v.units.cm, ...v.units.percent])})`;
  // Bounded quantifiers only: at most one space, an optional range; no nested repetition.
  const numberPattern = new RegExp(`(?<![\\d.]|\\d ?[x×*] ?)${num}(?: ?(?:${literal(v.rangeJoiners)}) ?${num})? ?${unitAlt}(?! ?[x×*] ?\\d)`, 'g');
  const unitOf = new Map<string, 'mm' | 'cm' | 'percent'>();
  for (const u of ['mm', 'cm', 'percent'] as const) for (const t of v.units[u]) unitOf.set(normalizeText(t).trim(), u);
  const stagePattern = new RegExp(`(?:[\\s:(,]|${words(v.stageWords)}){0,6}?(iv|iii|ii|i|[1-4])(?: ?([abc]))?(?![a-z0-9])`, 'y');

  const phrases = (ts: readonly string[]) => ts.map((t) => normalizeText(t).trim()).filter((t) => t !== '').sort((a, b) => b.length - a.length);
  const extentAfter = phrases(v.extentAfter);
  const extentExclusions = phrases(v.extentExclusions);
  const boundWords = phrases(v.boundWords);

  return {
    language: d.language,
    rule,
    extentReading(text, at) {
      const before = text.slice(Math.max(0, at.start - 24), at.start).trimEnd();
      if (boundWords.some((w) => before.endsWith(w))) return 'bound';
      const after = text.slice(at.end, at.end + 60).trimStart();
      if (extentExclusions.some((w) => after.startsWith(w))) return 'not-extent';
      if (extentAfter.some((w) => after.startsWith(w))) return 'extent';
      return null;
    },
    scopeWindow: d.scopeWindow,
    commaContinuesList: d.commaContinuesList,
    extentWindow: v.extentWindow,
    depthWindow: v.depthWindow,
    abbreviations: new Set((d.abbreviations?.terms ?? []).map((t) => normalizeText(t).trim())),
    scan,
    heading(text) {
      const m = headingPattern.exec(text);
      const found = m?.[1] === undefined ? undefined : sections.get(m[1]);
      return m && found ? { ...found, rest: m[0].length } : null;
    },
    numbers(text) {
      const out: NumberHit[] = [];
      numberPattern.lastIndex = 0;
      for (let m = numberPattern.exec(text); m !== null; m = numberPattern.exec(text)) {
        const unit = unitOf.get(m[3] ?? '');
        const raw = Number(m[2] ?? m[1]);
        if (unit === undefined || !Number.isFinite(raw)) continue;
        out.push({ start: m.index, end: m.index + m[0].length, unit: unit === 'percent' ? 'percent' : 'mm', value: unit === 'cm' ? Math.round(raw * 100) / 10 : raw });
      }
      return out;
    },
    stageAfter(text, from) {
      stagePattern.lastIndex = from;
      const m = stagePattern.exec(text);
      if (m?.[1] === undefined) return null;
      const stage = arcoCode(m[1], m[2]);
      return stage === '' ? null : { stage, end: from + m[0].length };
    },
  };
}

/** The active lexicons (one per language) → what the reader uses. `null` with a fault when a language is missing. */
function compileLexicons(
  active: readonly { readonly data: ReportLexiconFile; readonly rule: { id: string; version: string }; readonly file: string }[],
  fault: (file: string, path: string, message: string) => void,
): ReportLexicons | null {
  const byLanguage: Partial<Record<ReportLanguage, CompiledReportLexicon>> = {};
  const studyCodes = new Map<string, { kind: StudyKind; side?: SideWord }>();
  const radiologyCategories = new Set<string>();
  const narrativeCodes = new Map<string, string>();
  for (const f of active) {
    if (byLanguage[f.data.language]) {
      fault(f.file, '$.language', `a second active report lexicon for "${f.data.language}"`);
      continue;
    }
    byLanguage[f.data.language] = compileOne(f.data, f.rule);
    for (const c of f.data.studies.codes ?? []) studyCodes.set(`${c.system}|${c.code}`, c.side ? { kind: c.kind, side: c.side } : { kind: c.kind });
    for (const c of f.data.studies.radiologyCategories ?? []) radiologyCategories.add(`${c.system}|${c.code}`);
    for (const c of f.data.studies.narrativeCodes ?? []) narrativeCodes.set(`${c.system}|${c.code}`, c.section);
  }
  if (!byLanguage.en || !byLanguage.zh) {
    fault('.', '$', `no active report-lexicon for ${['en', 'zh'].filter((l) => !byLanguage[l as ReportLanguage]).join(' and ')} (clinical-spec.md 12 reads English and Chinese)`);
    return null;
  }
  return { en: byLanguage.en, zh: byLanguage.zh, studyCodes, radiologyCategories, narrativeCodes };
}

export const reportLexicon = defineKind({
  kind: 'report-lexicon',
  schema: ReportLexiconFileSchema,
  check(p, ctx) {
    for (const f of lexiconFaults(p.data)) ctx.fault(p.file, f.path, f.message);
  },
  compile(active, ctx) {
    const reportLexicons = compileLexicons(active.map((p) => ({ data: p.data, rule: ctx.ref(p), file: p.file })), (file, path, message) => { ctx.fault(file, path, message); });
    return reportLexicons ? { reportLexicons } : {};
  },
});
