/**
 * What assess() can work out from the rules alone, once per LoadedRules rather than once per call:
 * the derived facts split by phase, the rule set list every Assessment names, and the fixed
 * wording of each modality's reasons. Derived from the rules only, never from a patient.
 */
import type { DerivedFactRule, LoadedRules, ModalityRule } from '../rules/index.js';
import type { RecommendationStatus } from '../vocabulary/index.js';

export interface ModalityPlan {
  readonly rule: ModalityRule;
  /** Status when no status rule applies (strength 1, 2, 3). */
  readonly defaultStatus: RecommendationStatus;
  /** Reasons of a stage-bound modality outside its stages: stage unknown, or known and outside. */
  readonly stageUnknown: string;
  readonly outside: string;
}

export interface RulePlan {
  /** Assessment.rules: the active rule sets (frozen, shared by every Assessment of these rules). */
  readonly ruleRefs: readonly { readonly id: string; readonly version: string }[];
  readonly derived: { readonly findings: readonly DerivedFactRule[]; readonly stage: readonly DerivedFactRule[] };
  readonly modalities: readonly ModalityPlan[];
}

const DEFAULT_STATUS: Record<1 | 2 | 3, RecommendationStatus> = { 1: 'recommended', 2: 'consider', 3: 'no-recommendation' };

const plans = new WeakMap<LoadedRules, RulePlan>();

function makePlan(rules: LoadedRules): RulePlan {
  return {
    ruleRefs: Object.freeze(rules.active.map((r) => Object.freeze({ id: r.id, version: r.version }))),
    derived: {
      findings: rules.derivedFacts.filter((d) => d.phase === 'findings'),
      stage: rules.derivedFacts.filter((d) => d.phase === 'stage'),
    },
    modalities: rules.modalities.map((m) => ({
      rule: m,
      defaultStatus: DEFAULT_STATUS[m.strength],
      // Interpretation: with no stage known, a stage-bound modality is not offered, and the reason says why.
      stageUnknown: `Stage unknown: for ${m.appliesTo?.label ?? ''} only`,
      outside: `Outside ${m.appliesTo?.label ?? ''}`,
    })),
  };
}

/** The plan of a rule set, made on first use (LoadedRules is immutable once loaded). */
export function planOf(rules: LoadedRules): RulePlan {
  let plan = plans.get(rules);
  if (plan === undefined) {
    plan = makePlan(rules);
    plans.set(rules, plan);
  }
  return plan;
}
