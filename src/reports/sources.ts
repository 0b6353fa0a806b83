/**
 * Which resources of a record are radiology reports, and their text (design.md sections 5, 8):
 * a DiagnosticReport with a radiology category (LOINC LP29684-5, v2-0074 RAD) or an imaging
 * code or title, status final/amended/corrected/preliminary; a radiology DocumentReference
 * (LOINC 18748-4, the radiology category). Text from `conclusion`, `conclusionCode`,
 * `presentedForm`, `result` Observations with a valueString, and DocumentReference attachments.
 */
import type { ReportLexicons } from '../rules/report-lexicon-types.js';
import type { SideWord, StudyKind } from '../vocabulary/index.js';
import { normalizeText } from '../rules/kinds/report-lexicon.js';
import { attachmentText, htmlText } from './attachment.js';
import type { ReportNote } from './types.js';

export interface ReportPart {
  readonly text: string;
  /** The section this text is known to be (conclusion = impression), or null to read its headings. */
  readonly section: string | null;
}

export interface ReportSource {
  readonly ref: string;
  readonly date: string | null;
  readonly studyKind: StudyKind | null;
  /** The side the study's code or title names (a bilateral study names none). */
  readonly studySide: 'left' | 'right' | null;
  /** The study covers both hips (a bilateral code or title, a pelvis). */
  readonly studyBothHips: boolean;
  /** The study's title names another joint or bone and no hip ("MR Knee Left"): a sentence must name the hip. */
  readonly studyOtherSite: boolean;
  readonly parts: readonly ReportPart[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

const READ_STATUSES = new Set(['final', 'amended', 'corrected', 'preliminary']);
const DCM_MODALITY = 'http://dicom.nema.org/resources/ontology/DCM';

function codings(concept: unknown): { system: string; code: string; display: string | null }[] {
  if (!isObject(concept)) return [];
  return list(concept.coding).flatMap((c) => (isObject(c) && str(c.system) && str(c.code) ? [{ system: c.system as string, code: c.code as string, display: str(c.display) }] : []));
}

function conceptTexts(concept: unknown): string[] {
  if (!isObject(concept)) return [];
  return [str(concept.text), ...list(concept.coding).map((c) => (isObject(c) ? str(c.display) : null))].filter((t): t is string => t !== null);
}

const day = (v: unknown): string | null => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10) : null);

/** Study kind and side from codes, then from title words in either language. */
function studyOf(
  concepts: readonly unknown[], titles: readonly string[], modalities: readonly string[], lexicons: ReportLexicons,
): { kind: StudyKind | null; side: SideWord | null; bothHips: boolean; otherSite: boolean } {
  let kind: StudyKind | null = null;
  let side: SideWord | null = null;
  let bothHips = false;
  let distractor = false;
  let hip = false;
  for (const c of concepts.flatMap(codings)) {
    const known = lexicons.studyCodes.get(`${c.system}|${c.code}`);
    if (!known) continue;
    kind ??= known.kind;
    side ??= known.side ?? null;
  }
  for (const m of modalities) kind ??= lexicons.studyCodes.get(`${DCM_MODALITY}|${m}`)?.kind ?? null;
  for (const title of titles) {
    const norm = normalizeText(title.slice(0, 300));
    for (const lex of [lexicons.en, lexicons.zh]) {
      for (const h of lex.scan(norm)) {
        if (h.tag.type === 'study') kind ??= h.tag.kind;
        if (h.tag.type === 'side') side ??= h.tag.side;
        if (h.tag.type === 'both-hips-study') bothHips = true;
        if (h.tag.type === 'distractor') distractor = true;
        if (h.tag.type === 'hip-site') hip = true;
      }
    }
  }
  return { kind, side, bothHips: bothHips || side === 'bilateral', otherSite: distractor && !hip && !bothHips };
}

const hasCoding = (concepts: readonly unknown[], set: ReadonlySet<string>): boolean =>
  concepts.flatMap(codings).some((c) => set.has(`${c.system}|${c.code}`));

/** Resolves "Observation/x" (or a contained "#x") among the record's resources. */
function resolver(resources: readonly unknown[]): (ref: unknown, container: Json) => Json | null {
  const byRef = new Map<string, Json>();
  for (const r of resources) if (isObject(r) && str(r.resourceType) && str(r.id)) byRef.set(`${r.resourceType as string}/${r.id as string}`, r);
  return (ref, container) => {
    const reference = isObject(ref) ? str(ref.reference) : null;
    if (reference === null) return null;
    if (reference.startsWith('#')) return list(container.contained).find((c): c is Json => isObject(c) && c.id === reference.slice(1)) ?? null;
    const tail = reference.split('/').slice(-2).join('/').split('/_history')[0] ?? '';
    return byRef.get(tail) ?? null;
  };
}

/** Gathers text parts within `budget` characters in all, noting what was not read. */
class PartCollector {
  readonly parts: ReportPart[] = [];
  readonly notes: ReportNote[] = [];
  private left: number;
  private cut = 0;

  constructor(private readonly ref: string, budget: number) {
    this.left = budget;
  }

  add(text: string | null, section: string | null): void {
    if (text === null || text.trim() === '') return;
    if (this.left <= 0) {
      this.cut += text.length;
      return;
    }
    const kept = text.length > this.left ? text.slice(0, this.left) : text;
    this.cut += text.length - kept.length;
    this.left -= kept.length;
    this.parts.push({ text: kept, section });
  }

  attachment(att: unknown): void {
    const r = attachmentText(att, Math.max(this.left, 0));
    if (r === null) return;
    if (!r.ok) {
      this.notes.push({ report: this.ref, code: r.code, message: r.message });
      return;
    }
    this.cut += r.cut;
    this.add(r.text, null);
  }

  finish(): ReportNote[] {
    if (this.cut > 0) this.notes.push({ report: this.ref, code: 'text-cut', message: `report text cut: about ${this.cut} characters past the ${this.limitKb()} KB read were not read` });
    return this.notes;
  }

  private limitKb(): number {
    return Math.round((this.parts.reduce((n, p) => n + p.text.length, 0) + Math.max(this.left, 0)) / 1024);
  }
}

function diagnosticReport(r: Json, lexicons: ReportLexicons, resolve: ReturnType<typeof resolver>, budget: number): { source: ReportSource; notes: ReportNote[] } | null {
  if (!READ_STATUSES.has(str(r.status) ?? '')) return null;
  const categories = list(r.category);
  const imagingStudies = list(r.imagingStudy).map((ref) => resolve(ref, r)).filter((x): x is Json => x !== null);
  const modalities = imagingStudies.flatMap((s) => [...list(s.modality).flatMap((m) => (isObject(m) ? [str(m.code)] : [])), ...list(s.series).map((x) => (isObject(x) && isObject(x.modality) ? str(x.modality.code) : null))])
    .filter((m): m is string => m !== null);
  const titles = conceptTexts(r.code);
  const study = studyOf([r.code], titles, modalities, lexicons);
  const radiology = hasCoding(categories, lexicons.radiologyCategories) || hasCoding([r.code], new Set(lexicons.studyCodes.keys()))
    || imagingStudies.length > 0 || (categories.length === 0 && study.kind !== null);
  if (!radiology) return null;
  const ref = `DiagnosticReport/${str(r.id) ?? '?'}`;
  const parts = new PartCollector(ref, budget);
  for (const att of list(r.presentedForm)) parts.attachment(att);
  for (const res of list(r.result)) {
    const obs = resolve(res, r);
    if (obs === null || obs.resourceType !== 'Observation' || ['entered-in-error', 'cancelled'].includes(str(obs.status) ?? '')) continue;
    const value = str(obs.valueString);
    if (value === null) continue;
    const section = codings(obs.code).map((c) => lexicons.narrativeCodes.get(`${c.system}|${c.code}`)).find((s) => s !== undefined) ?? null;
    parts.add(/<\/?[a-z][^<>]{0,200}>/i.test(value.slice(0, 2000)) ? htmlText(value, budget).text : value, section);
  }
  parts.add(str(r.conclusion), 'impression');
  for (const c of list(r.conclusionCode)) parts.add(conceptTexts(c)[0] ?? null, 'impression');
  const date = day(r.effectiveDateTime) ?? (isObject(r.effectivePeriod) ? day(r.effectivePeriod.start) : null) ?? day(r.issued);
  const studySide = study.side === 'left' || study.side === 'right' ? study.side : null;
  return { source: { ref, date, studyKind: study.kind, studySide, studyBothHips: study.bothHips, studyOtherSite: study.otherSite, parts: parts.parts }, notes: parts.finish() };
}

function documentReference(r: Json, lexicons: ReportLexicons, budget: number): { source: ReportSource; notes: ReportNote[] } | null {
  const status = str(r.status);
  const docStatus = str(r.docStatus);
  if ((status !== null && status !== 'current') || (docStatus !== null && !READ_STATUSES.has(docStatus))) return null;
  const concepts = [r.type, ...list(r.category)];
  if (!hasCoding(concepts, lexicons.radiologyCategories) && !hasCoding(concepts, new Set(lexicons.studyCodes.keys()))) return null;
  const ref = `DocumentReference/${str(r.id) ?? '?'}`;
  const titles = [...conceptTexts(r.type), str(r.description), ...list(r.content).map((c) => (isObject(c) && isObject(c.attachment) ? str(c.attachment.title) : null))]
    .filter((t): t is string => t !== null);
  const study = studyOf([r.type], titles, [], lexicons);
  const parts = new PartCollector(ref, budget);
  for (const c of list(r.content)) if (isObject(c)) parts.attachment(c.attachment);
  const context = isObject(r.context) ? r.context : {};
  const date = (isObject(context.period) ? day(context.period.start) : null) ?? day(r.date);
  const studySide = study.side === 'left' || study.side === 'right' ? study.side : null;
  return { source: { ref, date, studyKind: study.kind, studySide, studyBothHips: study.bothHips, studyOtherSite: study.otherSite, parts: parts.parts }, notes: parts.finish() };
}

/** The radiology reports of a record, each with its text parts (never throws on a malformed resource). */
export function reportSources(resources: readonly unknown[], lexicons: ReportLexicons, budget: number): { sources: ReportSource[]; notes: ReportNote[] } {
  const resolve = resolver(resources);
  const sources: ReportSource[] = [];
  const notes: ReportNote[] = [];
  for (const r of resources) {
    if (!isObject(r)) continue;
    const found = r.resourceType === 'DiagnosticReport' ? diagnosticReport(r, lexicons, resolve, budget)
      : r.resourceType === 'DocumentReference' ? documentReference(r, lexicons, budget) : null;
    if (found === null) continue;
    sources.push(found.source);
    notes.push(...found.notes);
  }
  return { sources, notes };
}
