/**
 * The rule-file schemas (design.md section 2), one per `kind`. zod validates every file at load;
 * `z.toJSONSchema` turns the same schemas into rules/schema/<kind>.schema.json so an editor checks a
 * rule file while it is written (test/rules/schema.test.ts fails when the committed copy drifts).
 */
import { z } from 'zod';
import { ARCO_STAGES, CHINESE_STAGES, MODALITY_IDS } from '../engine/types.js';
import { DRAFT_ORDER_KINDS } from './facts.js';

export const RULE_KINDS = [
  'derived-facts', 'staging', 'modalities', 'surgical-evaluation', 'conservative-care', 'follow-up',
  'risk-factors', 'order-checks',
] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** A JSON Logic condition: checked operator by operator and fact by fact by the loader (logic.ts). */
const Logic = z.unknown().describe('JSON Logic condition over the facts of rules/README.md');

/** Where a rule comes from, and whether it is the guideline's word or the project's reading. */
export const Citation = {
  source: z.string().min(1).describe('guideline table/section or seed, e.g. "GL2025 Table 7"'),
  basis: z.enum(['guideline', 'interpretation', 'secondary source']).optional()
    .describe('"interpretation" where the sources are silent; "secondary source" where only a secondary source says it'),
  why: z.string().min(1).optional().describe('one sentence: why this interpretation (required with basis "interpretation")'),
};

export function requireWhy(value: { basis?: string | undefined; why?: string | undefined }, ctx: z.RefinementCtx): void {
  if (value.basis === 'interpretation' && value.why === undefined) {
    ctx.addIssue({ code: 'custom', path: ['why'], message: 'an interpretation says why in one sentence ("why")' });
  }
}

export const Header = {
  $schema: z.string().optional(),
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case id: letters, digits, hyphens'),
  version: z.string().regex(/^\d{4}\.\d+\.\d+$/, 'version <guideline year>.<minor>.<patch>, e.g. 2025.1.0'),
  status: z.enum(['draft', 'active', 'retired']),
  source: z.strictObject({
    document: z.string().min(1).describe('e.g. "GL2025" (clinical-spec.md source table)'),
    section: z.string().min(1).describe('section or table, e.g. "Table 2"'),
  }),
  description: z.string().optional(),
};

const DataGapRule = z.strictObject({
  code: z.string().regex(/^[a-z][a-z0-9-]*$/),
  when: Logic,
  finding: z.string().optional(),
  message: z.string().min(1),
});

export const DerivedFactsFileSchema = z.strictObject({
  ...Header,
  kind: z.literal('derived-facts'),
  facts: z.array(
    z.strictObject({
      name: z.string().regex(/^[a-z][a-z0-9-]*$/),
      description: z.string().min(1),
      phase: z.enum(['findings', 'stage']).describe('findings: before staging; stage: after the stage is known'),
      value: Logic,
      ...Citation,
    }).superRefine(requireWhy),
  ).min(1),
});

const StageCode = z.string().min(1);

export const StagingFileSchema = z.strictObject({
  ...Header,
  kind: z.literal('staging'),
  system: z.enum(['arco', 'chinese']),
  /** First row that matches wins (clinical-spec.md 4.1, 4.2). */
  stages: z.array(
    z.strictObject({
      stage: StageCode,
      when: Logic,
      ...Citation,
      subtypes: z.array(z.strictObject({ stage: StageCode, when: Logic, ...Citation }).superRefine(requireWhy)).optional(),
      subtypeMissing: z.strictObject({ code: z.string(), finding: z.string().optional(), message: z.string().min(1) }).optional(),
      dataGaps: z.array(DataGapRule).optional(),
    }).superRefine(requireWhy),
  ).min(1),
  noStage: z.strictObject({ code: z.string(), message: z.string().min(1) }),
  /** The other system's stage to use when only this one is known (a recorded stage). */
  equivalents: z.record(z.string(), z.string().nullable()).optional(),
  equivalentsBasis: z.strictObject(Citation).superRefine(requireWhy).optional(),
});

const Status = z.enum(['recommended', 'consider', 'no-recommendation', 'not-recommended', 'not-applicable', 'contraindicated']);
const Contraindication = z.strictObject({ when: Logic, reason: z.string().min(1), ...Citation }).superRefine(requireWhy);

export const ModalitiesFileSchema = z.strictObject({
  ...Header,
  kind: z.literal('modalities'),
  contraindicationSets: z.record(z.string(), z.array(Contraindication)).optional(),
  modalities: z.array(
    z.strictObject({
      modality: z.string(),
      what: z.string().min(1),
      evidence: z.enum(['A', 'B', 'C', 'D']),
      strength: z.union([z.literal(1), z.literal(2), z.literal(3)]),
      ...Citation,
      recommendsAgainst: z.boolean().optional().describe('the source recommends against: not-recommended'),
      appliesTo: z.strictObject({
        label: z.string().min(1),
        when: Logic,
        basis: Citation.basis,
        why: Citation.why,
      }).superRefine(requireWhy).optional()
        .describe('outside these stages: not-applicable; absent: all stages'),
      contraindications: z.array(z.union([z.string(), Contraindication])).optional()
        .describe('each inline, or the name of a contraindicationSets entry'),
      statusRules: z.array(
        z.strictObject({
          when: Logic,
          status: Status,
          reason: z.string().min(1),
          notes: z.array(z.string()).optional(),
          dataGaps: z.array(z.strictObject({ code: z.string(), finding: z.string().optional(), message: z.string().min(1) })).optional(),
          ...Citation,
        }).superRefine(requireWhy),
      ).optional().describe('first that matches sets the status; none: the status follows the strength'),
      reasons: z.array(z.strictObject({ when: Logic.optional(), reason: z.string().min(1) })).optional(),
      notes: z.array(z.string()).optional().describe('always shown with the modality'),
      combinations: z.strictObject({
        whenStatus: z.array(Status),
        list: z.array(z.string().min(1)).min(1),
        source: z.string().min(1),
      }).optional(),
    }).superRefine(requireWhy),
  ).min(1),
});

const Indication = z.strictObject({ id: z.string().regex(/^[a-z][a-z0-9-]*$/), when: Logic, reason: z.string().min(1), ...Citation }).superRefine(requireWhy);

export const SurgicalEvaluationFileSchema = z.strictObject({
  ...Header,
  kind: z.literal('surgical-evaluation'),
  indications: z.array(Indication).min(1),
});

export const ConservativeCareFileSchema = z.strictObject({
  ...Header,
  kind: z.literal('conservative-care'),
  indications: z.array(Indication).min(1),
});

export const FollowUpFileSchema = z.strictObject({
  ...Header,
  kind: z.literal('follow-up'),
  /** First that applies (clinical-spec.md section 8). */
  modality: z.array(z.strictObject({ modality: z.enum(['MR', 'CT', 'XR']), when: Logic, reason: z.string().min(1), ...Citation }).superRefine(requireWhy)).min(1),
  interval: z.array(z.strictObject({ months: z.union([z.literal(3), z.literal(6), z.literal(12)]), when: Logic, reason: z.string().min(1), ...Citation }).superRefine(requireWhy)).min(1),
  /** Imaging modalities whose newest study sets the due date. */
  studyModalities: z.array(z.enum(['MR', 'CT', 'CR', 'DX', 'NM'])).min(1),
  dataGaps: z.array(
    DataGapRule.extend({ ...Citation, side: z.enum(['hip', 'other-hip']).optional().describe('which hip the gap names (default: this hip)') })
      .superRefine(requireWhy),
  ).optional(),
});

export const RiskFactorsFileSchema = z.strictObject({
  ...Header,
  kind: z.literal('risk-factors'),
  /** Per patient (clinical-spec.md section 10). */
  patient: z.array(z.strictObject({ id: z.string().regex(/^[a-z][a-z0-9-]*$/), when: Logic, says: z.string().min(1), ...Citation }).superRefine(requireWhy)),
  /** progression-risk factors, per hip. */
  progression: z.array(
    z.strictObject({
      id: z.string().regex(/^[a-z][a-z0-9-]*$/),
      when: Logic,
      imaging: z.boolean().describe('an imaging factor: makes progressionRisk.high and keeps follow-up at 3 months'),
      says: z.string().min(1),
      ...Citation,
    }).superRefine(requireWhy),
  ),
});

const Indicator = z.enum(['info', 'warning', 'critical']);

export const OrderChecksFileSchema = z.strictObject({
  ...Header,
  kind: z.literal('order-checks'),
  checks: z.array(
    z.strictObject({
      check: z.string().regex(/^[a-z][a-z0-9-]*$/),
      kinds: z.array(z.enum(DRAFT_ORDER_KINDS)).min(1),
      resourceTypes: z.array(z.string()).optional(),
      scope: z.enum(['patient', 'any-hip', 'every-hip'])
        .describe('patient: once; any-hip: fires for each concerned hip that matches; every-hip: only when all concerned hips match'),
      when: Logic.optional(),
      indicator: Indicator,
      indicatorWhen: z.array(z.strictObject({ when: Logic, indicator: Indicator })).optional(),
      reasons: z.array(z.strictObject({ when: Logic.optional(), reason: z.string().min(1) })).min(1),
      includeRecommendation: z.enum(MODALITY_IDS).optional().describe("append this modality's reasons and notes for the hip"),
      suggestion: z.enum(['delete-draft', 'replace-with-walking-aid']).optional(),
      overrideReasons: z.array(z.strictObject({ code: z.string().min(1), display: z.string().min(1) })).optional(),
      ...Citation,
    }).superRefine(requireWhy),
  ).min(1),
});

export const RULE_FILE_SCHEMAS = {
  'derived-facts': DerivedFactsFileSchema,
  staging: StagingFileSchema,
  modalities: ModalitiesFileSchema,
  'surgical-evaluation': SurgicalEvaluationFileSchema,
  'conservative-care': ConservativeCareFileSchema,
  'follow-up': FollowUpFileSchema,
  'risk-factors': RiskFactorsFileSchema,
  'order-checks': OrderChecksFileSchema,
} as const satisfies Record<RuleKind, z.ZodType>;

export type DerivedFactsFile = z.output<typeof DerivedFactsFileSchema>;
export type StagingFile = z.output<typeof StagingFileSchema>;
export type ModalitiesFile = z.output<typeof ModalitiesFileSchema>;
export type SurgicalEvaluationFile = z.output<typeof SurgicalEvaluationFileSchema>;
export type ConservativeCareFile = z.output<typeof ConservativeCareFileSchema>;
export type FollowUpFile = z.output<typeof FollowUpFileSchema>;
export type RiskFactorsFile = z.output<typeof RiskFactorsFileSchema>;
export type OrderChecksFile = z.output<typeof OrderChecksFileSchema>;

/** Only the common header, read first to dispatch on `kind`. */
export const RuleHeaderSchema = z.looseObject({
  id: z.string().min(1),
  version: z.string().min(1),
  status: z.enum(['draft', 'active', 'retired']),
  kind: z.string().min(1),
  source: z.unknown(),
});

export const STAGE_CODES = { arco: ARCO_STAGES as readonly string[], chinese: CHINESE_STAGES as readonly string[] } as const;

/** The JSON Schema an editor uses for a rule file of this kind (rules/schema/<kind>.schema.json). */
export function ruleJsonSchema(kind: RuleKind): Record<string, unknown> {
  const schema = z.toJSONSchema(RULE_FILE_SCHEMAS[kind], { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: `onfh-cds rule file, kind "${kind}"` };
}
