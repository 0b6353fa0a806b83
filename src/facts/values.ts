/**
 * Observation values → numbers and booleans in the units the engine uses (clinical-spec.md
 * sections 3 and 9): percent for extents, mm for depths, degrees for angles, 10⁹/L for platelets.
 */
import type { FindingId, FindingValue } from '../engine/patient-facts.js';
import { SIZE_CATEGORIES } from '../vocabulary/index.js';
import { codingsOf, num, rec, str, type Json } from './read.js';
import type { ValueSets } from '../rules/valuesets.js';

export type ValueReading =
  | { readonly kind: 'value'; readonly value: FindingValue }
  | { readonly kind: 'implausible'; readonly why: string }
  | { readonly kind: 'unreadable'; readonly why: string };

const unreadable = (why: string): ValueReading => ({ kind: 'unreadable', why });
const implausible = (why: string): ValueReading => ({ kind: 'implausible', why });
const value = (v: FindingValue): ValueReading => ({ kind: 'value', value: v });

/** Floating-point noise from unit conversion must not move a value across a boundary (0.29 × 100). */
function tidy(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

export interface QuantityReading {
  readonly value: number;
  /** UCUM code, else the unit text; undefined when the value carries none (valueInteger). */
  readonly unit: string | undefined;
}

/** valueQuantity (UCUM code preferred over unit text) or valueInteger (spec 9). */
export function readQuantity(o: Json): QuantityReading | undefined {
  const q = rec(o.valueQuantity);
  if (q !== undefined) {
    const v = num(q.value);
    if (v === undefined) return undefined;
    const comparator = str(q.comparator);
    if (comparator !== undefined) return undefined; // "< 20": not a value to stage on
    return { value: v, unit: str(q.code) ?? str(q.unit) };
  }
  const i = num(o.valueInteger);
  return i === undefined ? undefined : { value: i, unit: undefined };
}

type NumericUnit = 'percent' | 'mm' | 'deg';

const NUMERIC_FINDINGS: Partial<Record<FindingId, NumericUnit>> = {
  'necrotic-extent': 'percent',
  'crescent-extent': 'percent',
  'collapse-depth': 'mm',
  'kerboul-angle': 'deg',
};

/** spec 3: cm → mm; UCUM "1" (a ratio) → percent. A missing unit is taken as the finding's own. */
function toUnit(unit: NumericUnit, q: QuantityReading): number | undefined {
  const u = q.unit?.trim().toLowerCase();
  switch (unit) {
    case 'percent':
      if (u === undefined || u === '%' || u === 'percent') return q.value;
      if (u === '1' || u === 'ratio' || u === '{ratio}') return tidy(q.value * 100);
      return undefined;
    case 'mm':
      if (u === undefined || u === 'mm' || u === 'millimeter' || u === 'millimetre') return q.value;
      if (u === 'cm' || u === 'centimeter' || u === 'centimetre') return tidy(q.value * 10);
      return undefined;
    case 'deg':
      if (u === undefined || u === 'deg' || u === '°' || u === 'degree' || u === 'degrees') return q.value;
      return undefined;
  }
}

const SIZE_CATEGORY_SET = new Set<string>(SIZE_CATEGORIES);
const JIC_TYPES: Record<string, 'A' | 'B' | 'C1' | 'C2'> = { A: 'A', B: 'B', C1: 'C1', C2: 'C2' };
const JIC_PREFIX = /^(?:JIC\s*)?(?:TYPE\s*)?/;

/** Words the clinician may have written as the value: a code, a text, or a string. */
function answerWords(o: Json): string[] {
  const words: string[] = [];
  const s = str(o.valueString);
  if (s !== undefined && s.length <= 100) words.push(s);
  const cc = rec(o.valueCodeableConcept);
  if (cc !== undefined) {
    for (const c of codingsOf(cc)) if (c.code !== undefined && c.code.length <= 100) words.push(c.code);
    const t = str(cc.text);
    if (t !== undefined && t.length <= 100) words.push(t);
  }
  return words;
}

/**
 * The value of one finding observation (or component), converted and checked for plausibility
 * (spec 3: negative depth, percent > 100, angle > 360 are refused).
 */
export function readFinding(valueSets: ValueSets, finding: FindingId, o: Json): ValueReading {
  const unit = NUMERIC_FINDINGS[finding];
  if (unit !== undefined) {
    const q = readQuantity(o);
    if (q === undefined) {
      // spec 3: necrotic-extent may be given only as a category
      if (finding === 'necrotic-extent') {
        for (const w of answerWords(o)) {
          const cat = w.trim().toLowerCase();
          if (SIZE_CATEGORY_SET.has(cat)) return value(cat);
        }
      }
      return unreadable('no numeric value');
    }
    const v = toUnit(unit, q);
    if (v === undefined) return unreadable(`unit "${(q.unit ?? '').slice(0, 20)}" not understood`);
    if (v < 0) return implausible(`negative value ${v}`);
    if (unit === 'percent' && v > 100) return implausible(`${v} % is more than 100 %`);
    if (unit === 'deg' && v > 360) return implausible(`${v}° is more than 360°`);
    return value(v);
  }
  if (finding === 'jic-type') {
    for (const w of answerWords(o)) {
      const t = JIC_TYPES[w.trim().toUpperCase().replace(JIC_PREFIX, '')];
      if (t !== undefined) return value(t);
    }
    return unreadable('not a JIC type A, B, C1 or C2');
  }
  // boolean findings: valueBoolean, or SNOMED present/absent (spec 9)
  if (typeof o.valueBoolean === 'boolean') return value(o.valueBoolean);
  for (const c of codingsOf(o.valueCodeableConcept)) {
    const m = valueSets.find('presence', c.system, c.code);
    if (m !== undefined) return value(m.value === 'present');
  }
  return unreadable('no boolean or present/absent value');
}

/** A score on a closed scale (pain 0–10, Harris 0–100, AUDIT-C 0–12, BMI). */
export function readScore(o: Json, min: number, max: number): ValueReading {
  const q = readQuantity(o);
  if (q === undefined) return unreadable('no numeric value');
  if (q.value < min || q.value > max) return implausible(`${q.value} is outside ${min}–${max}`);
  return value(q.value);
}

const PER_NANOLITRE = new Set([
  '10*9/l', '10^9/l', '10e9/l', 'x10e9/l', '10*3/ul', '10^3/ul', '10e3/ul', 'x10e3/ul', '10*3/mm3', '10^3/mm3',
  'k/ul', 'k/mm3', '/nl', 'thou/ul', 'thou/mm3', 'g/l', 'giga/l', '10.e9/l',
]);
const PER_MICROLITRE = new Set(['/ul', '/mm3', '10*6/l', '10^6/l', '{cells}/ul', 'cells/ul']);

/** spec 9: platelets in 10⁹/L (10*9/L and 10*3/uL are the same number). */
export function readPlatelets(o: Json): ValueReading {
  const q = readQuantity(o);
  if (q === undefined) return unreadable('no numeric value');
  if (q.value < 0) return implausible(`negative count ${q.value}`);
  const u = q.unit?.trim().toLowerCase().replaceAll(' ', '').replaceAll('µ', 'u').replaceAll('μ', 'u');
  if (u === undefined || PER_NANOLITRE.has(u)) return value(q.value);
  if (PER_MICROLITRE.has(u)) return value(tidy(q.value / 1000));
  return unreadable(`unit "${u.slice(0, 20)}" not understood`);
}
