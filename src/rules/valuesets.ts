/**
 * Value sets (clinical-spec.md section 9): the rule files in `rules/valuesets/*.json`, their zod
 * schema, and the lookup structures compiled from them once at load.
 *
 * A file holds entries for one or more named value sets. Each entry names what a code means in
 * this service (`value`, e.g. the finding id `collapse-depth` or the medication `alendronate`),
 * how to recognise it (an exact `code`, a code `prefix`, an ICD-10 category `range`, or `text`
 * keywords) and where that comes from (`source`). A site adds its local codes by adding entries
 * (in these files or in a file of its own with `kind: "valueset"`), never by changing code.
 */
import { z } from 'zod';
import {
  CHINESE_STAGES, FINDING_IDS, FOLLOW_UP_MODALITIES, LATERALITIES, RULE_STATUSES, STUDY_MODALITIES, type FollowUpModality,
} from '../vocabulary/index.js';

export const SYSTEMS = {
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  icd10: 'http://hl7.org/fhir/sid/icd-10',
  snomed: 'http://snomed.info/sct',
  loinc: 'http://loinc.org',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  atc: 'http://www.whocc.no/atc',
  dicom: 'http://dicom.nema.org/resources/ontology/DCM',
  ucum: 'http://unitsofmeasure.org',
  onfhFinding: 'http://onfh-cds.org/fhir/CodeSystem/onfh-finding',
  onfhProcedure: 'http://onfh-cds.org/fhir/CodeSystem/onfh-procedure',
  arco2019: 'http://onfh-cds.org/fhir/CodeSystem/arco-2019',
  chineseStage: 'http://onfh-cds.org/fhir/CodeSystem/chinese-onfh-stage',
} as const;

/**
 * What each value set means, and the `value`s its entries may carry (null: free text, used only
 * for documentation). A value outside these lists refuses to load, so a typo cannot silently
 * turn a code into nothing.
 */
const ARCO_VALUES = ['1', '2', '3A', '3B', '4'].map((s) => `arco:${s}`);
const CHINESE_VALUES = CHINESE_STAGES.map((s) => `chinese:${s}`);

export const VALUE_SET_VALUES = {
  /** spec 1, 9: value = etiology of the ONFH condition. */
  'onfh-condition': ['non-traumatic', 'drug-associated', 'traumatic'],
  /** spec 9: codes that must never count as ONFH (documentation and a guard at compile). */
  'onfh-condition-excluded': null,
  /**
   * spec 2, 9: hip sites; `both-hips` and `pelvis` cover both hips (spec 2, imaging). `knee` is
   * not a hip site: TCM counts "pain (hip or knee)" as the clinical sign of progression (spec 7.1).
   */
  'body-site': ['hip', 'femoral-head', 'femur', 'pelvis', 'both-hips', 'knee'],
  /** spec 2, 9: laterality qualifiers. */
  laterality: [...LATERALITIES],
  /** spec 3, 9: finding observation codes → finding id. */
  finding: [...FINDING_IDS],
  /** spec 9: valueCodeableConcept of boolean findings. */
  presence: ['present', 'absent'],
  /** spec 9: other observation codes. */
  observation: ['bmi', 'pain', 'harris', 'smoking-status', 'audit-c', 'egfr', 'platelets', 'inr', 'pregnancy-status'],
  /** spec 9: smoking status answers. */
  'smoking-status': ['current', 'not-current', 'unknown'],
  /** spec 9: ImagingStudy modalities. */
  'imaging-modality': [...STUDY_MODALITIES],
  /** spec 8, 9: orderable follow-up imaging codes (value = an id; modality and side on the entry). */
  'imaging-order': null,
  /**
   * design.md 5: what a report's, document's or procedure's code says was imaged (modality-region;
   * `mr`, `ct`, `xr` alone need the text to name the hip). Side on the entry where the code has one.
   */
  'imaging-procedure': ['mr', 'mr-hip', 'mr-hips', 'mr-pelvis', 'ct', 'ct-hip', 'ct-hips', 'ct-pelvis', 'xr', 'xr-hip', 'xr-hips', 'xr-pelvis'],
  /** design.md 5: categories and types that make a DiagnosticReport or DocumentReference a radiology report. */
  'radiology-report': ['radiology'],
  /** spec 14: the modality of a hip/pelvis imaging ServiceRequest named in words (scheduled imaging). */
  'imaging-request': ['MR', 'CT', 'XR'],
  /** spec 9, 11: medications. */
  medication: ['zoledronic-acid', 'alendronate', 'enoxaparin', 'simvastatin', 'systemic-corticosteroid', 'tc99-mdp'],
  /** Routes that make a corticosteroid non-systemic (ATC H02 is "for systemic use"). */
  'non-systemic-route': ['topical', 'inhaled', 'ophthalmic', 'otic', 'nasal', 'intra-articular'],
  /** spec 9, 11: devices. */
  device: ['wheelchair', 'crutch', 'cane', 'walking-frame'],
  /** spec 9, 11: procedures (kinds of draft ServiceRequest). */
  procedure: [
    'core-decompression', 'eswt', 'hbo', 'prp', 'cell-therapy', 'ozone', 'radiofrequency',
    'intra-articular-corticosteroid-injection', 'total-hip-arthroplasty', 'resurfacing',
  ],
  /** spec 6, 9: contraindication conditions. */
  contraindication: [
    'malignancy', 'immune-hematologic', 'infection', 'coagulopathy',
    'kidney-failure', 'hepatic-failure', 'heart-failure', 'respiratory-failure', 'organ-failure',
    // spec 14: a tumour in the ESWT treatment field (bone, bone metastasis, pelvis/hip)
    'treatment-field-tumour',
  ],
  /** spec 14: pregnancy conditions (Z33.1, O00–O9A, SNOMED 77386006). */
  pregnancy: ['pregnant'],
  /** spec 14: answers of the pregnancy-status Observation (LOINC 82810-3). */
  'pregnancy-status': ['pregnant', 'not-pregnant', 'unknown'],
  /** spec 14: a replaced hip (completed arthroplasty or resurfacing Procedure, Condition Z96.64x). */
  'hip-replacement': ['arthroplasty', 'resurfacing', 'prosthetic-hip'],
  /** spec 9, 10: risk and other conditions. */
  'risk-condition': ['osteoporosis', 'diabetes', 'alcohol-use-disorder', 'hip-pain'],
  /** spec 4.3, 9: recorded stage codes → `arco:<stage>` or `chinese:<stage>`. */
  stage: [...ARCO_VALUES, ...CHINESE_VALUES],
} as const satisfies Record<string, readonly string[] | null>;

export type ValueSetId = keyof typeof VALUE_SET_VALUES;
export const VALUE_SET_IDS = Object.keys(VALUE_SET_VALUES) as ValueSetId[];

/** "C00" … "C96": an ICD-10 category (letter, two digits). */
const ICD_CATEGORY = /^[A-Z][0-9]{2}$/;

const nonEmpty = z.string().trim().min(1);

/** A phrase, or several phrases that must all appear (["intra-articular", "hip"]). */
const TextMatchSchema = z.union([nonEmpty, z.array(nonEmpty).min(1)]);

export const ValueSetEntrySchema = z
  .strictObject({
    /** What the code means here (checked against the value set's allowed values). */
    value: nonEmpty,
    system: nonEmpty.optional(),
    /** An exact code; matched with or without the dot, case-insensitive (spec 9). */
    code: nonEmpty.optional(),
    /** Every code starting with this (ICD-10 categories such as "K72", ATC groups such as "H02AB"). */
    prefix: nonEmpty.optional(),
    /** ICD-10 categories from … to, inclusive (["C00", "C96"]). */
    range: z.tuple([nonEmpty, nonEmpty]).optional(),
    /** Prefixes carved out of `prefix` or `range` (spec 9: C44 is not an active malignancy). */
    exclude: z.array(nonEmpty).optional(),
    /** Keywords matched at the start of a word in free text (case-insensitive). */
    text: z.array(TextMatchSchema).min(1).optional(),
    /** Text entries only: words that veto the match (a hyaluronic acid hip injection is not a steroid one). */
    unless: z.array(nonEmpty).optional(),
    display: z.string().optional(),
    /** ONFH condition codes: laterality from the ICD-10-CM character (spec 2). */
    side: z.enum(LATERALITIES).optional(),
    /** SNOMED 397758007/398199007 count only with a hip or femoral-head body site (spec 9). */
    requires: z.literal('hip-body-site').optional(),
    /** imaging-order entries: what the code orders. */
    modality: z.enum(FOLLOW_UP_MODALITIES).optional(),
    /** Where this entry comes from: "clinical-spec.md 9", "GL2025 Table 6", "site: …". */
    source: nonEmpty,
  })
  .superRefine((e, ctx) => {
    const ways = [e.code, e.prefix, e.range, e.text].filter((w) => w !== undefined).length;
    if (ways !== 1) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of code, prefix, range, text' });
    }
    if (e.text === undefined && e.system === undefined) {
      ctx.addIssue({ code: 'custom', path: ['system'], message: 'a coded entry needs its system' });
    }
    if (e.exclude !== undefined && e.prefix === undefined && e.range === undefined) {
      ctx.addIssue({ code: 'custom', path: ['exclude'], message: 'exclude applies only to prefix or range' });
    }
    if (e.unless !== undefined && e.text === undefined) {
      ctx.addIssue({ code: 'custom', path: ['unless'], message: 'unless applies only to text' });
    }
    if (e.range !== undefined) {
      const [from, to] = e.range.map(normalizeCode) as [string, string];
      if (!ICD_CATEGORY.test(from) || !ICD_CATEGORY.test(to) || from[0] !== to[0] || from > to) {
        ctx.addIssue({
          code: 'custom',
          path: ['range'],
          message: 'range must be two ICD-10 categories of one letter, in order (e.g. ["C00", "C96"])',
        });
      }
    }
  });
export type ValueSetEntry = z.output<typeof ValueSetEntrySchema>;

export const ValueSetFileSchema = z
  .strictObject({
    id: nonEmpty,
    version: z.string().regex(/^\d{4}\.\d+\.\d+$/, 'version is <guideline year>.<minor>.<patch>'),
    status: z.enum(RULE_STATUSES),
    source: z.strictObject({ document: nonEmpty, section: nonEmpty }),
    kind: z.literal('valueset'),
    title: z.string().optional(),
    description: z.string().optional(),
    /**
     * Other names of a code system → the canonical URI used in the entries (EHRs often send the
     * HL7 OID, "urn:oid:2.16.840.1.113883.6.90", for ICD-10-CM).
     */
    systemAliases: z.record(nonEmpty, nonEmpty).optional(),
    valueSets: z.partialRecord(z.enum(VALUE_SET_IDS as [ValueSetId, ...ValueSetId[]]), z.array(ValueSetEntrySchema)),
  })
  .superRefine((file, ctx) => {
    for (const [setId, entries] of Object.entries(file.valueSets) as [ValueSetId, ValueSetEntry[] | undefined][]) {
      const allowed: readonly string[] | null = VALUE_SET_VALUES[setId];
      (entries ?? []).forEach((e, i) => {
        if (allowed !== null && !allowed.includes(e.value)) {
          ctx.addIssue({
            code: 'custom',
            path: ['valueSets', setId, i, 'value'],
            message: `unknown value "${e.value}" for value set ${setId} (allowed: ${allowed.join(', ')})`,
          });
        }
        if (setId === 'imaging-order' && (e.modality === undefined || e.side === undefined)) {
          ctx.addIssue({ code: 'custom', path: ['valueSets', setId, i], message: 'an imaging order needs modality and side' });
        }
      });
    }
  });
export type ValueSetFile = z.output<typeof ValueSetFileSchema>;

/** One thing a code or text means, as found by a lookup. */
export interface ValueSetMatch {
  readonly valueSet: ValueSetId;
  readonly value: string;
  readonly side?: 'left' | 'right' | 'bilateral';
  readonly requires?: 'hip-body-site';
  readonly modality?: FollowUpModality;
  readonly display?: string;
  readonly source: string;
}

/** An orderable imaging code for a suggested follow-up study (spec 8, 9; LOINC playbook). */
export interface ImagingOrderCode {
  readonly id: string;
  readonly modality: FollowUpModality;
  readonly side: 'left' | 'right' | 'bilateral';
  readonly system: string;
  readonly code: string;
  readonly display: string;
}

interface PrefixMatch {
  readonly match: ValueSetMatch;
  readonly excludes: readonly string[];
}

interface TextRule {
  /** Alternatives; each alternative is a list of keywords that must all appear. */
  readonly anyOf: readonly (readonly string[])[];
  readonly unless: readonly string[];
  readonly match: ValueSetMatch;
}

/** The compiled value sets: built once at load, read on every request. */
export interface ValueSets {
  /** The value-set rule files compiled in (for Assessment.rules and GET /rules). */
  readonly rules: readonly { readonly id: string; readonly version: string }[];
  /** Every value-set membership of one coding (exact codes, then prefixes). */
  lookup(system: unknown, code: unknown): readonly ValueSetMatch[];
  /** The membership of one coding in one value set, if any. */
  find(valueSet: ValueSetId, system: unknown, code: unknown): ValueSetMatch | undefined;
  /** The text entries of one value set that match a text (any case; only its first 2,000 characters are read). */
  matchText(valueSet: ValueSetId, text: string): readonly ValueSetMatch[];
  /** Orderable follow-up imaging codes, in file order (the first of a modality and side is preferred). */
  readonly imagingOrders: readonly ImagingOrderCode[];
}

export class ValueSetError extends Error {
  override name = 'ValueSetError';
}

/** spec 9: "M87.051" = "M87051"; codes compare case-insensitively. */
export function normalizeCode(code: string): string {
  if (isNormalCode(code)) return code; // most codes (LOINC, SNOMED, upper-case ICD-10 without a dot): nothing to build
  let s = code.trim();
  if (s.includes('.')) s = s.replaceAll('.', '');
  return s.toUpperCase();
}

/** Whether a code is already normal: digits, upper-case letters and "-" only. */
function isNormalCode(code: string): boolean {
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || c === 0x2d)) return false;
  }
  return true;
}

const NONE: readonly ValueSetMatch[] = Object.freeze([]);

function expandRange(from: string, to: string): string[] {
  const letter = from.charAt(0);
  const out: string[] = [];
  for (let n = Number(from.slice(1)); n <= Number(to.slice(1)); n++) out.push(letter + String(n).padStart(2, '0'));
  return out;
}

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'));
}

/** A keyword matches at the start of a word ("right" is not in "bright"; "zoledron" is in "zoledronic"). */
export function containsWord(lowerText: string, keyword: string): boolean {
  let at = lowerText.indexOf(keyword);
  while (at !== -1) {
    if (!isWordChar(lowerText[at - 1])) return true;
    at = lowerText.indexOf(keyword, at + 1);
  }
  return false;
}

/**
 * Builds the lookup structures: per system, a Map of exact codes and a Map of prefixes (with the
 * prefix lengths to try), and per value set its text rules. Throws ValueSetError when a code is
 * given two different meanings in one value set, or is both ONFH and excluded from ONFH.
 */
export function compileValueSets(files: readonly ValueSetFile[]): ValueSets {
  const exact = new Map<string, Map<string, ValueSetMatch[]>>();
  const prefixes = new Map<string, { lengths: number[]; byPrefix: Map<string, PrefixMatch[]> }>();
  const textRules = new Map<ValueSetId, TextRule[]>();
  const imagingOrders: ImagingOrderCode[] = [];
  const seen = new Map<string, { value: string; file: string }>();
  const aliases = new Map<string, string>();
  for (const file of files) {
    for (const [alias, canonical] of Object.entries(file.systemAliases ?? {})) {
      const before = aliases.get(alias.trim());
      if (before !== undefined && before !== canonical.trim()) {
        throw new ValueSetError(`${file.id}: system alias ${alias} names ${canonical}, already ${before}`);
      }
      aliases.set(alias.trim(), canonical.trim());
    }
  }
  const canonicalSystem = (system: string): string => aliases.get(system) ?? system;

  const addExact = (system: string, code: string, m: ValueSetMatch, file: string) => {
    const key = `${m.valueSet}|${system}|${code}`;
    const before = seen.get(key);
    if (before !== undefined) {
      if (before.value !== m.value) {
        throw new ValueSetError(
          `value set ${m.valueSet}: ${system}|${code} means "${before.value}" in ${before.file} and "${m.value}" in ${file}`,
        );
      }
      return; // the same meaning twice (a site file repeating a default): harmless
    }
    seen.set(key, { value: m.value, file });
    let bySystem = exact.get(system);
    if (bySystem === undefined) exact.set(system, (bySystem = new Map<string, ValueSetMatch[]>()));
    const list = bySystem.get(code);
    if (list === undefined) bySystem.set(code, [m]);
    else list.push(m);
  };

  const addPrefix = (system: string, prefix: string, m: ValueSetMatch, excludes: readonly string[]) => {
    let bySystem = prefixes.get(system);
    if (bySystem === undefined) prefixes.set(system, (bySystem = { lengths: [], byPrefix: new Map() }));
    if (!bySystem.lengths.includes(prefix.length)) bySystem.lengths.push(prefix.length);
    const list = bySystem.byPrefix.get(prefix);
    if (list === undefined) bySystem.byPrefix.set(prefix, [{ match: m, excludes }]);
    else list.push({ match: m, excludes });
  };

  for (const file of files) {
    for (const [setId, entries] of Object.entries(file.valueSets) as [ValueSetId, ValueSetEntry[] | undefined][]) {
      for (const e of entries ?? []) {
        const match: ValueSetMatch = Object.freeze({
          valueSet: setId,
          value: e.value,
          source: e.source,
          ...(e.side !== undefined && { side: e.side }),
          ...(e.requires !== undefined && { requires: e.requires }),
          ...(e.modality !== undefined && { modality: e.modality }),
          ...(e.display !== undefined && { display: e.display }),
        });
        const system = canonicalSystem(e.system?.trim() ?? '');
        const excludes = (e.exclude ?? []).map(normalizeCode);
        if (e.code !== undefined) {
          addExact(system, normalizeCode(e.code), match, file.id);
          if (setId === 'imaging-order' && e.modality !== undefined && e.side !== undefined) {
            imagingOrders.push({
              id: e.value, modality: e.modality, side: e.side, system, code: e.code.trim(), display: e.display ?? e.value,
            });
          }
        } else if (e.prefix !== undefined) {
          addPrefix(system, normalizeCode(e.prefix), match, excludes);
        } else if (e.range !== undefined) {
          for (const category of expandRange(normalizeCode(e.range[0]), normalizeCode(e.range[1]))) {
            // spec 9: the excluded category (C44) is left out entirely; finer excludes stay on the match
            if (excludes.includes(category)) continue;
            addPrefix(system, category, match, excludes.filter((x) => x.length > 3));
          }
        } else if (e.text !== undefined) {
          const anyOf = e.text.map((t) => (typeof t === 'string' ? [t.toLowerCase()] : t.map((w) => w.toLowerCase())));
          const rules = textRules.get(setId) ?? [];
          rules.push({ anyOf, unless: (e.unless ?? []).map((w) => w.toLowerCase()), match });
          textRules.set(setId, rules);
        }
      }
    }
  }

  for (const [key, { value }] of seen) {
    if (!key.startsWith('onfh-condition|')) continue;
    const excludedKey = `onfh-condition-excluded|${key.slice('onfh-condition|'.length)}`;
    if (seen.has(excludedKey)) {
      throw new ValueSetError(`${key.slice('onfh-condition|'.length)} is both an ONFH code (${value}) and excluded from ONFH`);
    }
  }
  for (const p of prefixes.values()) p.lengths.sort((a, b) => b - a);

  const lookup = (system: unknown, code: unknown): readonly ValueSetMatch[] => {
    if (typeof code !== 'string' || code.length === 0 || code.length > 64) return NONE;
    const sys = typeof system === 'string' ? canonicalSystem(system) : '';
    const norm = normalizeCode(code);
    const exactHits = exact.get(sys)?.get(norm);
    const byPrefix = prefixes.get(sys);
    if (byPrefix === undefined) return exactHits ?? NONE;
    let out: ValueSetMatch[] | undefined;
    for (const len of byPrefix.lengths) {
      if (len > norm.length) continue;
      const hits = byPrefix.byPrefix.get(norm.slice(0, len));
      if (hits === undefined) continue;
      for (const h of hits) {
        if (h.excludes.some((x) => norm.startsWith(x))) continue;
        (out ??= exactHits ? [...exactHits] : []).push(h.match);
      }
    }
    return out ?? exactHits ?? NONE;
  };

  const matchText = (valueSet: ValueSetId, text: string): readonly ValueSetMatch[] => {
    const rules = textRules.get(valueSet);
    if (rules === undefined || text.length === 0) return NONE;
    // huge strings: only the start is read (no clinical name is longer)
    const lower = (text.length > 2000 ? text.slice(0, 2000) : text).toLowerCase();
    let out: ValueSetMatch[] | undefined;
    for (const r of rules) {
      if (!r.anyOf.some((all) => all.every((w) => containsWord(lower, w)))) continue;
      if (r.unless.some((w) => containsWord(lower, w))) continue;
      (out ??= []).push(r.match);
    }
    return out ?? NONE;
  };

  return Object.freeze({
    rules: Object.freeze(files.map((f) => Object.freeze({ id: f.id, version: f.version }))),
    lookup,
    find: (valueSet: ValueSetId, system: unknown, code: unknown) =>
      lookup(system, code).find((m) => m.valueSet === valueSet),
    matchText,
    imagingOrders: Object.freeze(imagingOrders),
  });
}

/**
 * The code to order a follow-up study (spec 8): the first entry of the imaging-order value set for
 * that modality and side; undefined when the value set has none (order each side then).
 */
export function imagingOrderCode(
  valueSets: ValueSets,
  modality: FollowUpModality,
  side: 'left' | 'right' | 'bilateral',
): ImagingOrderCode | undefined {
  return valueSets.imagingOrders.find((o) => o.modality === modality && o.side === side);
}
