/**
 * Staging (clinical-spec.md section 4): ARCO 2019 (GL2025 Table 2) and Chinese (GL2025 Table 3),
 * first row that matches wins; the rows and thresholds are in rules/staging/*.json.
 */
import type { ArcoStage, ChineseStage } from '../vocabulary/index.js';
import { ARCO_STAGES, CHINESE_STAGES } from '../vocabulary/index.js';
import type { StagingRules } from '../rules/index.js';
import { truthy } from '../rules/logic.js';

export interface StageGap {
  readonly code: string;
  readonly message: string;
  readonly finding?: string;
}

/**
 * Applies one staging rule set to a hip's facts: the stage (with subtype), its data gaps added to
 * `gaps` (not looked for when null: the stage history keeps none).
 */
export function stageBySystem(rules: StagingRules, facts: object, gaps: StageGap[] | null): string | null {
  for (const row of rules.stages) {
    if (!truthy(row.when(facts))) continue;
    if (gaps !== null) {
      for (const g of row.dataGaps) {
        if (truthy(g.when(facts))) gaps.push(g.finding ? { code: g.code, message: g.message, finding: g.finding } : { code: g.code, message: g.message });
      }
    }
    if (row.subtypes.length === 0) return row.stage;
    for (const t of row.subtypes) if (truthy(t.when(facts))) return t.stage;
    // clinical-spec.md 4.2: subtype unknown → the plain stage and a data gap naming the finding
    if (gaps !== null && row.subtypeMissing) gaps.push({ ...row.subtypeMissing });
    return row.stage;
  }
  return null;
}

/** Chinese stage without its subtype: "IIb" → "II", "IVa" → "IV". */
export function chineseGroup(stage: string | null): string | null {
  if (stage === null) return null;
  const m = /^(IV|V|I{1,3})/.exec(stage);
  return m?.[1] ?? null;
}

export function arcoRank(stage: string | null): number {
  return stage === null ? -1 : ARCO_STAGES.indexOf(stage as ArcoStage);
}

const GROUP_RANK: Record<string, number> = { I: 1, II: 2, III: 3, IV: 4, V: 5 };

/**
 * Is a recorded stage lower than the computed one (clinical-spec.md 4.3, `stage-outdated`)?
 * ARCO is compared when both are known; otherwise the Chinese stage group, then, within a group,
 * the subtype letter (a < b < c: a larger lesion or deeper collapse).
 */
export function recordedStageLower(
  recorded: { arco: string | null; chinese: string | null },
  computed: { arco: string | null; chinese: string | null },
): boolean {
  if (recorded.arco !== null && computed.arco !== null) return arcoRank(recorded.arco) < arcoRank(computed.arco);
  if (recorded.chinese !== null && computed.chinese !== null) {
    const rg = GROUP_RANK[chineseGroup(recorded.chinese) ?? ''] ?? 0;
    const cg = GROUP_RANK[chineseGroup(computed.chinese) ?? ''] ?? 0;
    if (rg !== cg) return rg < cg;
    const rs = recorded.chinese.slice(-1);
    const cs = computed.chinese.slice(-1);
    return /[abc]/.test(rs) && /[abc]/.test(cs) && rs < cs;
  }
  return false;
}

export function isArcoStage(s: string | null | undefined): s is ArcoStage {
  return s !== null && s !== undefined && (ARCO_STAGES as readonly string[]).includes(s);
}

export function isChineseStage(s: string | null | undefined): s is ChineseStage {
  return s !== null && s !== undefined && (CHINESE_STAGES as readonly string[]).includes(s);
}
