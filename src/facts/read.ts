/**
 * Defensive reading of FHIR JSON. Input comes from EHRs and FHIR servers and is trusted for
 * nothing: every accessor takes `unknown` and answers a typed value or "nothing", so malformed
 * resources (wrong types, nulls, missing fields) never throw.
 */
import type { ValueSetId, ValueSetMatch, ValueSets } from '../rules/valuesets.js';

export type Json = Record<string, unknown>;

export function isRecord(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function str(x: unknown): string | undefined {
  return typeof x === 'string' && x.length > 0 ? x : undefined;
}

export function num(x: unknown): number | undefined {
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}

const EMPTY: readonly unknown[] = Object.freeze([]);

export function arr(x: unknown): readonly unknown[] {
  return Array.isArray(x) ? x : EMPTY;
}

/** A field that may be one element or a list (Observation.bodySite is one, Condition.bodySite a list). */
export function oneOrMany(x: unknown): readonly unknown[] {
  if (Array.isArray(x)) return x;
  return x === undefined || x === null ? EMPTY : [x];
}

export function rec(x: unknown): Json | undefined {
  return isRecord(x) ? x : undefined;
}

export interface CodingLike {
  readonly system: string | undefined;
  readonly code: string | undefined;
  readonly display: string | undefined;
}

/**
 * The codings of a CodeableConcept, of a lone Coding (ImagingStudy.series.bodySite), or of a list
 * of Codings (ImagingStudy.modality).
 */
export function codingsOf(concept: unknown): CodingLike[] {
  if (Array.isArray(concept)) return concept.flatMap((x) => (Array.isArray(x) ? [] : codingsOf(x)));
  const c = rec(concept);
  if (c === undefined) return [];
  const list = Array.isArray(c.coding) ? c.coding : 'code' in c || 'system' in c || 'display' in c ? [c] : [];
  const out: CodingLike[] = [];
  for (const item of list) {
    const coding = rec(item);
    if (coding === undefined) continue;
    out.push({ system: str(coding.system), code: str(coding.code), display: str(coding.display) });
  }
  return out;
}

/** Longest text read from one field: no clinical name is longer, and huge strings cost nothing. */
export const MAX_TEXT = 2000;

function capped(s: string): string {
  return s.length > MAX_TEXT ? s.slice(0, MAX_TEXT) : s;
}

/** A string field, capped and lower-cased for keyword matching ('' when absent). */
export function lowerText(x: unknown): string {
  const s = str(x);
  return s === undefined ? '' : capped(s).toLowerCase();
}

/** The entries of one value set that the codings of a concept (or concepts) belong to. */
export function codedMatches(valueSets: ValueSets, set: ValueSetId, concept: unknown): ValueSetMatch[] {
  const out: ValueSetMatch[] = [];
  for (const c of codingsOf(concept)) {
    for (const m of valueSets.lookup(c.system, c.code)) if (m.valueSet === set) out.push(m);
  }
  return out;
}

/** CodeableConcept.text and every coding display, lower-cased, for keyword matching. */
export function conceptText(concept: unknown): string {
  const c = rec(concept);
  if (c === undefined) return '';
  const parts: string[] = [];
  const text = str(c.text);
  if (text !== undefined) parts.push(capped(text));
  for (const coding of codingsOf(c)) if (coding.display !== undefined) parts.push(capped(coding.display));
  return parts.join(' | ').toLowerCase();
}

/** What a CodeableConcept says, for a person: its text, else the first display, else (orCode) the first code. */
export function conceptLabel(concept: unknown, orCode = true): string | undefined {
  const c = rec(concept);
  if (c === undefined) return undefined;
  const text = str(c.text);
  if (text !== undefined) return capped(text);
  const codings = codingsOf(c);
  const display = codings.find((x) => x.display !== undefined)?.display;
  if (display !== undefined) return capped(display);
  if (!orCode) return undefined;
  const coded = codings.find((x) => x.code !== undefined);
  return coded?.code === undefined ? undefined : capped(coded.code);
}

const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/;

function digitsAt(s: string, from: number, count: number): boolean {
  for (let i = from; i < from + count; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** A FHIR date or dateTime → YYYY-MM-DD (partial dates take the first day), else null. */
export function dateOnly(x: unknown): string | null {
  if (typeof x !== 'string') return null;
  // the usual full date or dateTime, read without the regular expression (this runs for every
  // observation read): the same answer, its first ten characters
  if (x.length >= 10 && x.charCodeAt(4) === 0x2d && x.charCodeAt(7) === 0x2d && digitsAt(x, 0, 4) && digitsAt(x, 5, 2) && digitsAt(x, 8, 2)) {
    const month = x.slice(5, 7);
    const day = x.slice(8, 10);
    if (month < '01' || month > '12' || day < '01' || day > '31') return null;
    return x.length === 10 ? x : x.slice(0, 10);
  }
  const m = DATE.exec(x);
  if (m === null) return null;
  const month = m[2] ?? '01';
  const day = m[3] ?? '01';
  if (month < '01' || month > '12' || day < '01' || day > '31') return null;
  return `${m[1] ?? ''}-${month}-${day}`;
}

/**
 * A sortable instant for "newest wins" (spec 3): milliseconds of the full dateTime when it parses,
 * else of its date; -Infinity when there is none (undated counts as oldest).
 */
export function instant(x: unknown): number {
  if (typeof x !== 'string' || x.length > 64) return -Infinity;
  const ms = Date.parse(x);
  if (!Number.isNaN(ms)) return ms;
  const d = dateOnly(x);
  return d === null ? -Infinity : Date.parse(d);
}

/** "Observation/abc" for a resource (its id, or "(no id)"). */
export function refOf(resourceType: string, resource: Json): string {
  // capped: refs go into notes and logs, and a hostile id must not flood them
  return `${resourceType.slice(0, 64)}/${str(resource.id)?.slice(0, 64) ?? '(no id)'}`;
}
