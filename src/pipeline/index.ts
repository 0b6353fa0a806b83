/**
 * The pipeline (design.md section 3): the one owner of the clinical path. The http layer hands it
 * a hook call or a Bundle; it runs fhir (one-patient checks) → facts → engine → cards and answers
 * plain values. Pure: no I/O, no Fastify, no logger (notes come back for the caller to log).
 */
import type { LoadedRules } from '../rules/index.js';
import { assessBundle, type AssessBundleResult } from './assess-bundle.js';
import { decideCards, type CdsDecider, type ClinicalOptions } from './decide.js';

export { assessBundle, type AssessBundleResult } from './assess-bundle.js';
export { decideCards, evaluationDate, type CdsDecider, type CdsDecision, type CdsDecisionInput, type ClinicalOptions } from './decide.js';

/** What the route files receive: the loaded rules and the two ways in. */
export interface Pipeline {
  readonly rules: LoadedRules;
  readonly decide: CdsDecider;
  readonly assessBundle: (bundle: unknown, now: string) => AssessBundleResult;
}

/** The pipeline over the bundled or site rules, loaded once at start. */
export function createPipeline(rules: LoadedRules, options: ClinicalOptions = {}): Pipeline {
  return {
    rules,
    decide: (input) => decideCards(rules, input, options),
    assessBundle: (bundle, now) => assessBundle(bundle, rules, now),
  };
}
