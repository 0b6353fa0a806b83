/**
 * The flat facts object the rules see (design.md section 2: "conditions are data, not code:
 * JSON Logic over a typed facts object"). One object per hip (and, for the patient-level rules,
 * one per patient); every name a rule may use with `{"var": …}` is listed here or declared by a
 * `derived-facts` rule file. The loader refuses a rule naming anything else.
 *
 * Names are kebab-case, the finding ids of clinical-spec.md section 3 kept verbatim, so a rule
 * reads like the spec: `{">": [{"var": "collapse-depth"}, 2]}`.
 * Unknown is `null`. Comparisons (<, <=, >, >=) with null are false (see logic.ts), so a
 * threshold never fires on a missing value.
 */
import { FINDING_IDS } from '../vocabulary/index.js';

export type FactValue = number | boolean | string | null;

/** Facts about the patient as a whole (sections 6, 9, 10). */
export const PATIENT_FACT_NAMES = [
  'age', // whole years at the evaluation date, from Patient.birthDate
  'sex', // male | female | other | unknown
  'bmi', // kg/m², newest
  'smoker', // current smoker (true/false/null)
  'audit-c', // AUDIT-C total, newest
  'alcohol-use-disorder',
  'diabetes',
  'osteoporosis',
  'corticosteroid-active', // an active systemic corticosteroid order/statement
  'affected-hip-count', // hips with an ONFH condition (left, right, unknown)
  'bilateral', // both left and right hips affected
  'contraindication-malignancy',
  'contraindication-immune-hematologic', // includes platelets < 50×10⁹/L
  'contraindication-infection',
  'contraindication-organ-failure', // any organ failure (kidney, hepatic, heart, respiratory or other)
  'contraindication-hepatic-failure', // hepatic failure (K72)
  'contraindication-cardiopulmonary-failure', // end-stage heart failure (I50.84) or respiratory failure (J96)
  'contraindication-coagulopathy',
  'contraindication-any', // any of the five above (section 6)
  'platelets', // newest platelet count, 10⁹/L, or null
  'pregnant', // spec 14: an active pregnancy condition, or the newest pregnancy status 'pregnant' within 10 months
  'contraindication-treatment-field-tumour', // spec 14: malignancy of bone, bone metastasis, or coded to the pelvis/hip
] as const;

/** Facts about one hip, as of a date (the evaluation date, or an imaging date for stage history). */
export const HIP_FACT_NAMES = [
  ...FINDING_IDS, // newest value of each finding up to the as-of date; necrotic-extent as a number only
  'side',
  'etiology', // non-traumatic | traumatic | drug-associated
  'necrotic-extent-category', // small | medium | large when the report gives a category, not a percent
  'collapse-ever', // any collapse-depth > 0 observed up to the as-of date
  'collapse-months', // months (with a fraction) from the oldest collapse-depth > 0 to the as-of date
  'pain-score', // newest hip pain score 0–10 (this hip or unsided)
  'pain-score-previous', // the one before it
  'hip-pain-condition', // an active hip-pain condition (M25.55x) for this side or unsided
  'collapse-doubted-on-report', // a radiology report says collapse is possible/suspected for this hip (clinical-spec.md 12)
  'knee-pain-score', // newest knee pain score of this side (TCM: referred pain), when the facts carry it
  'harris-score', // newest Harris Hip Score
  'radiograph-on-record', // a CR/DX study of this hip, or an xray-abnormal finding
  'mri-on-record', // an MR study of this hip, or an mri-necrosis-sign finding
  'contralateral-mri-on-record', // the other hip has an MR study on record
  'months-since-diagnosis', // months (with a fraction) from Condition onset (else recordedDate); null if unknown
  'months-since-diagnosis-at-last-study', // the same, counted to the newest follow-up study of the hip (to now when none); null if unknown
  'stable-months', // span of the newest run of equal stages on ≥ 2 studies (0 if none)
  'progression-on-serial-imaging', // ARCO at the newest study > at the previous study of the same modality
  'recorded-arco',
  'recorded-chinese',
] as const;

/** Facts the engine adds as it goes: the stage (after staging), the risk (after section 10). */
export const COMPUTED_FACT_NAMES = [
  'arco-stage', // 1 | 2 | 3A | 3B | 4 (computed, else recorded), or null
  'chinese-stage', // Ia … V, or null
  'chinese-group', // I | II | III | IV | V (the stage without its subtype), or null
  'progression-risk-imaging', // an imaging progression-risk factor applies (section 10)
  'follow-up-modality', // MR | CT | XR: the next study chosen by the follow-up rules (section 8), for the interval rules
] as const;

/** Order checks also see the status of each modality for the hip: `{"var": "status.eswt"}`. */
export const STATUS_FACT_PREFIX = 'status.';

/** Every fact name built into the engine (derived facts come on top, per rule directory). */
export const BUILT_IN_FACT_NAMES: ReadonlySet<string> = new Set<string>([
  ...PATIENT_FACT_NAMES,
  ...HIP_FACT_NAMES,
  ...COMPUTED_FACT_NAMES,
]);

/**
 * A maker of blank facts objects: every name present, null, in a fixed order. V8 keeps an object
 * fast only when its properties are created by name in a fixed order; adding ~100 properties by
 * computed key makes a slow dictionary object, which dominated assess() in the bench (and its GC).
 * The names are validated fact names (built in, or /^[a-z][a-z0-9-]*$/), JSON-quoted into the
 * literal, so the generated source holds nothing but a list of keys.
 */
export function blankFactsMaker(names: readonly string[]): () => Record<string, FactValue | Readonly<Record<string, FactValue>>> {
  const literal = `return {${names.map((n) => `${JSON.stringify(n)}: null`).join(', ')}};`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- see above: a literal of quoted, validated names
  return new Function(literal) as () => Record<string, FactValue>;
}
