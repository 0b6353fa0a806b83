/**
 * The clinical vocabulary (clinical-spec.md): every closed list that more than one layer names,
 * `as const`, with its type. The bottom floor: it imports nothing, and every layer (rules, engine,
 * facts, cards, http) takes its lists from here instead of retyping them.
 */

/** ARCO 2019 stages (clinical-spec.md section 4). */
export const ARCO_STAGES = ['1', '2', '3A', '3B', '4'] as const;
export type ArcoStage = (typeof ARCO_STAGES)[number];

/** Chinese (CJRS) stages with their sub-stages (clinical-spec.md section 4). */
export const CHINESE_STAGES = [
  'I', 'Ia', 'Ib', 'Ic', 'II', 'IIa', 'IIb', 'IIc', 'III', 'IIIa', 'IIIb', 'IIIc', 'IV', 'IVa', 'IVb', 'IVc', 'V',
] as const;
export type ChineseStage = (typeof CHINESE_STAGES)[number];

/** The Chinese stage without its sub-stage letter (the fact `chinese-group`). */
export const CHINESE_GROUPS = ['I', 'II', 'III', 'IV', 'V'] as const;

/** Where a hip's stage came from: computed from findings, recorded in Condition.stage.summary. */
/** reported: only a stage read from a radiology report is known (design.md 5). */
export const STAGE_SOURCES = ['computed', 'recorded', 'reported'] as const;

/** clinical-spec.md section 5, in table order. */
export const MODALITY_IDS = [
  'health-education', 'psychological-support', 'self-management', 'rehabilitation',
  'zoledronic-acid', 'alendronate', 'tc99-mdp', 'xianling-gubao', 'tongluo-shenggu', 'gutouyusheng',
  'cervus-cucumis-polypeptide', 'levodopa-benserazide', 'enoxaparin', 'simvastatin',
  'eswt', 'hbo', 'pemf', 'acupuncture', 'needle-knife', 'silver-needle',
  'prp', 'svf', 'bmac', 'bmmnc', 'bmmsc', 'ozone', 'radiofrequency', 'core-decompression',
] as const;
export type ModalityId = (typeof MODALITY_IDS)[number];

/** A recommendation's status (clinical-spec.md section 5). */
export const RECOMMENDATION_STATUSES = [
  'recommended', 'consider', 'no-recommendation', 'not-recommended', 'not-applicable', 'contraindicated',
] as const;
export type RecommendationStatus = (typeof RECOMMENDATION_STATUSES)[number];

/** GL2025 levels of evidence and strengths of recommendation. */
export const EVIDENCE_LEVELS = ['A', 'B', 'C', 'D'] as const;
export type Evidence = (typeof EVIDENCE_LEVELS)[number];
export const STRENGTHS = [1, 2, 3] as const;
export type Strength = (typeof STRENGTHS)[number];

/** A hip's side as the engine knows it. */
export const SIDES = ['left', 'right', 'unknown'] as const;
export type Side = (typeof SIDES)[number];

/** A side as a code or body site may name it (value sets, draft orders). */
export const LATERALITIES = ['left', 'right', 'bilateral'] as const;

export const ETIOLOGIES = ['non-traumatic', 'traumatic', 'drug-associated'] as const;
export type Etiology = (typeof ETIOLOGIES)[number];

export const SIZE_CATEGORIES = ['small', 'medium', 'large'] as const;
export type SizeCategory = (typeof SIZE_CATEGORIES)[number];

export const SEXES = ['male', 'female', 'other', 'unknown'] as const;
export type Sex = (typeof SEXES)[number];

/** JIC classification types (clinical-spec.md section 9). */
export const JIC_TYPES = ['A', 'B', 'C1', 'C2'] as const;

/** The imaging a follow-up names (clinical-spec.md section 8). */
export const FOLLOW_UP_MODALITIES = ['MR', 'CT', 'XR'] as const;
export type FollowUpModality = (typeof FOLLOW_UP_MODALITIES)[number];

/** DICOM modalities of the imaging studies read (ImagingStudy.modality / series). */
export const STUDY_MODALITIES = ['MR', 'CT', 'CR', 'DX', 'NM'] as const;
export type ImagingModality = (typeof STUDY_MODALITIES)[number];

/** clinical-spec.md section 3, plus `jic-type` (section 9). */
export const FINDING_IDS = [
  'necrotic-extent', 'collapse-depth', 'subchondral-fracture', 'crescent-extent', 'bone-marrow-edema',
  'joint-space-narrowing', 'mri-necrosis-sign', 'xray-abnormal', 'ct-abnormal', 'bone-scan-abnormal',
  'sclerotic-zone', 'kerboul-angle', 'joint-effusion', 'jic-type',
] as const;
export type FindingId = (typeof FINDING_IDS)[number];

/** Data gap codes the engine and facts emit (clinical-spec.md section 10); rules may add their own. */
export const DATA_GAP_CODES = [
  'side-unknown', 'finding-side-unknown', 'implausible-value', 'staging-findings-missing', 'xray-missing',
  'crescent-extent-missing', 'necrotic-extent-missing', 'stage-outdated', 'contralateral-hip-not-imaged',
  // design.md 5: an optional FHIR source could not be read (the gap's `resource` names its type)
  'source-unavailable',
  // clinical-spec.md 14
  'age-unknown', 'replacement-side-unknown', 'pregnancy-undated', 'pregnancy-stale',
] as const;
export type DataGapCode = (typeof DATA_GAP_CODES)[number] | (string & {});

/**
 * Draft order kinds the order checks may name (clinical-spec.md section 11); the facts module's
 * classifier produces them from the value sets.
 */
export const DRAFT_ORDER_KINDS = [
  'zoledronic-acid', 'alendronate', 'systemic-corticosteroid', 'core-decompression', 'eswt', 'prp',
  'cell-therapy', 'ozone', 'radiofrequency', 'intra-articular-corticosteroid-injection', 'wheelchair',
  'total-hip-arthroplasty', 'resurfacing', 'hbo', 'enoxaparin', 'simvastatin', 'crutch', 'cane', 'tc99-mdp',
] as const;

/** A CDS Hooks card's indicator (also an order check's). */
export const INDICATORS = ['info', 'warning', 'critical'] as const;
export type Indicator = (typeof INDICATORS)[number];

/** What an order check's card may suggest instead of the draft. */
export const ORDER_SUGGESTIONS = ['delete-draft', 'replace-with-walking-aid'] as const;

/** A rule file's (and value set file's) lifecycle status. */
export const RULE_STATUSES = ['draft', 'active', 'retired'] as const;

/** How a rule's content is grounded (rules/README.md). */
export const BASES = ['guideline', 'interpretation', 'secondary source'] as const;

/**
 * spec 6: organ failure is kept by organ (kidney N18.5/N18.6, hepatic K72, heart I50.84, respiratory
 * J96) because the rules tell them apart: GL2025 Table 4 names only severe cardiopulmonary
 * dysfunction among the contraindications to surgery, and hepatic failure is a labelled
 * contraindication of simvastatin. 'organ-failure' is any other organ failure (a site's own code).
 */
export const ORGAN_FAILURE_IDS = ['kidney-failure', 'hepatic-failure', 'heart-failure', 'respiratory-failure', 'organ-failure'] as const;
export type ContraindicationId =
  // spec 14: treatment-field-tumour, a tumour in the ESWT treatment field (bone, bone metastasis, pelvis/hip)
  | 'malignancy' | 'immune-hematologic' | 'infection' | 'coagulopathy' | 'treatment-field-tumour' | (typeof ORGAN_FAILURE_IDS)[number];

export * from './reports.js';
