/**
 * What the rule-file schemas (design.md section 2) share: the header, citations, JSON Logic
 * conditions, data-gap rows, indications. Each kind's own schema is in kinds/<kind>.ts; zod
 * validates every file at load and `z.toJSONSchema` turns the same schemas into
 * rules/schema/<kind>.schema.json (write-schemas.ts) so an editor checks a rule file while it is written.
 */
import { z } from 'zod';
import { ARCO_STAGES, BASES, CHINESE_STAGES, RULE_STATUSES } from '../vocabulary/index.js';

/** A JSON Logic condition: checked operator by operator and fact by fact by the loader (logic.ts). */
export const Logic = z.unknown().describe('JSON Logic condition over the facts of rules/README.md');

/** Where a rule comes from, and whether it is the guideline's word or the project's reading. */
export const Citation = {
  source: z.string().min(1).describe('guideline table/section or seed, e.g. "GL2025 Table 7"'),
  basis: z.enum(BASES).optional()
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
  status: z.enum(RULE_STATUSES),
  source: z.strictObject({
    document: z.string().min(1).describe('e.g. "GL2025" (clinical-spec.md source table)'),
    section: z.string().min(1).describe('section or table, e.g. "Table 2"'),
  }),
  description: z.string().optional(),
  overrideQuietDays: z.number().int().min(0).max(3650).optional()
    .describe('days an overridden card of this rule set stays away for that patient (default OVERRIDE_QUIET_DAYS); 0: never suppressed'),
};

export const DataGapRule = z.strictObject({
  code: z.string().regex(/^[a-z][a-z0-9-]*$/),
  when: Logic,
  finding: z.string().optional(),
  message: z.string().min(1),
});

export const Indication = z.strictObject({ id: z.string().regex(/^[a-z][a-z0-9-]*$/), when: Logic, reason: z.string().min(1), ...Citation }).superRefine(requireWhy);

/** Only the common header, read first to dispatch on `kind`. */
export const RuleHeaderSchema = z.looseObject({
  id: z.string().min(1),
  version: z.string().min(1),
  status: z.enum(RULE_STATUSES),
  kind: z.string().min(1),
  source: z.unknown(),
});

export const STAGE_CODES = { arco: ARCO_STAGES as readonly string[], chinese: CHINESE_STAGES as readonly string[] } as const;

