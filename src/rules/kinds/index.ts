/**
 * The registry of rule kinds: one module each (`{ kind, schema, check, compile }`), listed once
 * here. The loader dispatches every rule file on its `kind` to this list; adding a kind is one file
 * in this folder and one line below. Order matters: the kinds compile in this order.
 */
import { conservativeCare } from './conservative-care.js';
import { derivedFacts } from './derived-facts.js';
import { followUp } from './follow-up.js';
import { modalities } from './modalities.js';
import { orderChecks } from './order-checks.js';
import { riskFactors } from './risk-factors.js';
import { staging } from './staging.js';
import { surgicalEvaluation } from './surgical-evaluation.js';
import type { RuleKind } from './types.js';
import { valueset } from './valueset.js';

export const RULE_KIND_MODULES: readonly RuleKind[] = [
  valueset,
  derivedFacts,
  staging,
  modalities,
  surgicalEvaluation,
  conservativeCare,
  followUp,
  riskFactors,
  orderChecks,
];

export const KIND_BY_NAME: ReadonlyMap<string, RuleKind> = new Map(RULE_KIND_MODULES.map((k) => [k.kind, k]));

export type { CompileContext, ParsedRuleFile, RuleKind } from './types.js';
