/**
 * The compiled rules the engine reads (LoadedRules) and the loader's faults. Conditions are
 * compiled JSON Logic (logic.ts); every rule carries its citation (Cited).
 */
import type { Evidence, FollowUpModality, ModalityId, RecommendationStatus, Strength } from '../vocabulary/index.js';
import type { FactValue } from './facts.js';
import type { CompiledLogic } from './logic.js';
import type { ValueSets } from './valuesets.js';

/** One fault in one rule file. */
export interface RuleFault {
  /** Path relative to the rules directory, e.g. "staging/arco-2019.json". */
  readonly file: string;
  /** JSON path inside the file, e.g. "$.stages[0].when.and[1].var" ("$" for the whole file). */
  readonly path: string;
  readonly message: string;
}

export class RulesLoadError extends Error {
  override name = 'RulesLoadError';
  constructor(readonly faults: readonly RuleFault[], readonly dir: string) {
    super(
      `rules in ${dir} refused (${faults.length} fault${faults.length === 1 ? '' : 's'}):\n` +
        faults.map((f) => `  ${f.file} at ${f.path}: ${f.message}`).join('\n'),
    );
  }
}

export interface RuleRef {
  readonly id: string;
  readonly version: string;
}

/** What GET /rules and the start log show about each rule file. */
export interface RuleSetInfo extends RuleRef {
  readonly status: 'draft' | 'active' | 'retired';
  readonly kind: string;
  readonly sha256: string;
  readonly source: { readonly document: string; readonly section: string };
  readonly file: string;
  /** Days an overridden card of this rule set is not shown again to that patient; unset: OVERRIDE_QUIET_DAYS. */
  readonly overrideQuietDays?: number;
}

export interface Cited {
  readonly source: string;
  readonly basis?: string;
  readonly why?: string;
  readonly rule: RuleRef;
}

export interface DerivedFactRule extends Cited {
  readonly name: string;
  readonly phase: 'findings' | 'stage';
  readonly value: CompiledLogic;
}

export interface StageRule extends Cited {
  readonly stage: string;
  readonly when: CompiledLogic;
  readonly subtypes: readonly { readonly stage: string; readonly when: CompiledLogic }[];
  readonly subtypeMissing?: { readonly code: string; readonly finding?: string; readonly message: string };
  readonly dataGaps: readonly { readonly code: string; readonly when: CompiledLogic; readonly finding?: string; readonly message: string }[];
}

export interface StagingRules {
  readonly system: 'arco' | 'chinese';
  readonly stages: readonly StageRule[];
  readonly noStage: { readonly code: string; readonly message: string };
  /** This system's code → the other system's (for a stage recorded in one system only). */
  readonly equivalents: Readonly<Record<string, string | null>>;
  readonly rule: RuleRef;
}

export interface ContraindicationRule extends Cited {
  readonly when: CompiledLogic;
  readonly reason: string;
}

export interface ModalityRule extends Cited {
  readonly modality: ModalityId;
  readonly what: string;
  readonly evidence: Evidence;
  readonly strength: Strength;
  readonly recommendsAgainst: boolean;
  readonly appliesTo: { readonly label: string; readonly when: CompiledLogic } | null;
  readonly contraindications: readonly ContraindicationRule[];
  readonly statusRules: readonly (Cited & {
    readonly when: CompiledLogic;
    readonly status: RecommendationStatus;
    readonly reason: string;
    readonly notes: readonly string[];
    readonly dataGaps: readonly { readonly code: string; readonly finding?: string; readonly message: string }[];
  })[];
  readonly reasons: readonly { readonly when: CompiledLogic | null; readonly reason: string }[];
  readonly notes: readonly string[];
  readonly combinations: { readonly whenStatus: readonly RecommendationStatus[]; readonly list: readonly string[]; readonly source: string } | null;
}

export interface IndicationRule extends Cited {
  readonly id: string;
  readonly when: CompiledLogic;
  readonly reason: string;
}

export interface FollowUpRules {
  readonly modality: readonly (Cited & { readonly modality: FollowUpModality; readonly when: CompiledLogic; readonly reason: string })[];
  readonly interval: readonly (Cited & { readonly months: 3 | 6 | 12; readonly when: CompiledLogic; readonly reason: string })[];
  readonly studyModalities: readonly string[];
  readonly dataGaps: readonly (Cited & { readonly code: string; readonly when: CompiledLogic; readonly finding?: string; readonly message: string; readonly side: 'hip' | 'other-hip' })[];
  readonly rule: RuleRef;
}

export interface RiskFactorRule extends Cited {
  readonly id: string;
  readonly when: CompiledLogic;
  readonly says: string;
}

export interface ProgressionFactorRule extends RiskFactorRule {
  readonly imaging: boolean;
}

export interface OrderCheckRule extends Cited {
  readonly check: string;
  readonly kinds: readonly string[];
  readonly resourceTypes: readonly string[] | null;
  readonly scope: 'patient' | 'any-hip' | 'every-hip';
  readonly when: CompiledLogic | null;
  readonly indicator: 'info' | 'warning' | 'critical';
  readonly indicatorWhen: readonly { readonly when: CompiledLogic; readonly indicator: 'info' | 'warning' | 'critical' }[];
  readonly reasons: readonly { readonly when: CompiledLogic | null; readonly reason: string }[];
  readonly includeRecommendation: ModalityId | null;
  readonly suggestion?: 'delete-draft' | 'replace-with-walking-aid';
  readonly overrideReasons?: readonly { readonly code: string; readonly display: string }[];
}

export interface LoadedRules {
  readonly dir: string;
  /** A blank facts object (every known fact name, null): what the engine fills per hip. */
  readonly newFacts: () => Record<string, FactValue | Readonly<Record<string, FactValue>>>;
  /** Every rule file read (any status), for GET /rules and the start log. */
  readonly sets: readonly RuleSetInfo[];
  /** The active rule sets the engine uses (Assessment.rules). */
  readonly active: readonly RuleRef[];
  readonly valueSets: ValueSets;
  readonly derivedFacts: readonly DerivedFactRule[];
  readonly staging: { readonly arco: StagingRules; readonly chinese: StagingRules };
  /** One per modality of clinical-spec.md section 5, in table order. */
  readonly modalities: readonly ModalityRule[];
  readonly surgicalEvaluation: readonly IndicationRule[];
  readonly conservativeCare: readonly IndicationRule[];
  readonly followUp: FollowUpRules;
  readonly riskFactors: readonly RiskFactorRule[];
  readonly progressionRisk: readonly ProgressionFactorRule[];
  readonly orderChecks: readonly OrderCheckRule[];
}

/** What the kinds compile: LoadedRules but for what the loader adds (dir, sets, active, newFacts). */
export type CompiledRules = Omit<LoadedRules, 'dir' | 'newFacts' | 'sets' | 'active'>;
