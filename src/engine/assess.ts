/**
 * assess(): PatientFacts + rules → Assessment (design.md section 1; clinical-spec.md sections 4–8,
 * 10). Pure: no I/O, no clock (the caller passes `now`). Every clinical threshold is in the rule
 * files; this module only sequences them: facts → stage → recommendations → follow-up.
 */
import type { HipFacts, PatientFacts, Side } from '../facts/types.js';
import type { LoadedRules, ModalityRule } from '../rules/index.js';
import { truthy } from '../rules/logic.js';
import { addMonths, monthsBetween, monthsElapsed } from './dates.js';
import type { MutableFacts } from './rule-facts.js';
import { hipRuleFacts, patientRuleFacts } from './rule-facts.js';
import { arcoRank, chineseGroup, isArcoStage, isChineseStage, recordedStageLower, stageBySystem } from './stage.js';
import type { StageGap } from './stage.js';
import type {
  ArcoStage, Assessment, ChineseStage, DataGap, FollowUp, HipAssessment, HipStage, Recommendation,
  RecommendationStatus, StageAtDate,
} from './types.js';

/** What assess() worked out per hip, kept for checkOrders (same facts, no second evaluation). */
export interface HipWorkings {
  readonly side: Side;
  readonly facts: MutableFacts;
  readonly recommendations: readonly Recommendation[];
}

const workingsByAssessment = new WeakMap<Assessment, { patient: MutableFacts; hips: readonly HipWorkings[] }>();

/** The facts assess() used, for order checks on the same assessment. */
export function workingsOf(assessment: Assessment): { patient: MutableFacts; hips: readonly HipWorkings[] } | undefined {
  return workingsByAssessment.get(assessment);
}

function applyDerived(rules: LoadedRules, facts: MutableFacts, phase: 'findings' | 'stage'): void {
  for (const d of rules.derivedFacts) if (d.phase === phase) facts[d.name] = d.value(facts);
}

interface StagedFacts {
  readonly arco: ArcoStage | null;
  readonly chinese: ChineseStage | null;
  readonly gaps: readonly StageGap[];
}

/** Stages a hip from a facts object (already carrying its findings-phase derived facts). */
function stageFacts(rules: LoadedRules, facts: MutableFacts): StagedFacts {
  const arco = stageBySystem<ArcoStage>(rules.staging.arco, facts);
  const chinese = stageBySystem<ChineseStage>(rules.staging.chinese, facts);
  return { arco: arco.stage, chinese: chinese.stage, gaps: [...arco.gaps, ...chinese.gaps] };
}

/** Puts the stage the rules should use into the facts: computed, else recorded, else an equivalent. */
function setStageFacts(rules: LoadedRules, facts: MutableFacts, arco: ArcoStage | null, chinese: ChineseStage | null): void {
  const arcoUsed = arco ?? (chinese !== null ? (rules.staging.chinese.equivalents[chinese] ?? null) : null);
  const chineseUsed = chinese ?? (arco !== null ? (rules.staging.arco.equivalents[arco] ?? null) : null);
  facts['arco-stage'] = arcoUsed;
  facts['chinese-stage'] = chineseUsed;
  facts['chinese-group'] = chineseGroup(chineseUsed);
  applyDerived(rules, facts, 'stage');
}

/** Radiographs (CR, DX) are one modality when comparing like with like (spec 7.1). */
const modalityFamily = (m: string): string => (m === 'CR' || m === 'DX' ? 'XR' : m);

/** Stage at each imaging date of the hip, from the findings observed up to that date (spec 8). */
/** Most imaging dates per hip the stage history looks at (the newest ones). */
export const MAX_HISTORY_STUDIES = 100;

function stageHistory(rules: LoadedRules, patient: MutableFacts, hip: HipFacts, otherMri: boolean): StageAtDate[] {
  const history: StageAtDate[] = [];
  const seen = new Set<string>();
  // One facts object refilled per study: hipRuleFacts writes every built-in fact and the derived
  // ones are recomputed, so nothing of the previous date survives (and nothing is allocated).
  const reused = rules.newFacts();
  const studies = hip.imaging.filter((study) => {
    const key = `${study.date}|${modalityFamily(study.modality)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  // Each date re-reads the hip's whole finding history, so the history is bounded to the newest
  // MAX_HISTORY_STUDIES dates: a real hip has a few dozen studies at most, and a hostile body of
  // thousands must not hold the event loop for a second (found by the robustness bench).
  for (const study of studies.slice(-MAX_HISTORY_STUDIES)) {
    const facts = hipRuleFacts(patient, hip, { asOf: study.date, current: false, contralateralMriOnRecord: otherMri }, reused);
    applyDerived(rules, facts, 'findings');
    const staged = stageFacts(rules, facts);
    history.push({ date: study.date, arco: staged.arco, chinese: staged.chinese, modality: study.modality });
  }
  return history;
}

/** ARCO at the newest study higher than at the previous study of the same modality (spec 7.1). */
function progressedOnSerialImaging(history: readonly StageAtDate[]): boolean {
  const newest = history.at(-1);
  if (!newest?.modality) return false;
  const family = modalityFamily(newest.modality);
  const previous = history.slice(0, -1).reverse().find((h) => h.modality !== undefined && modalityFamily(h.modality) === family && h.date < newest.date);
  if (!previous || newest.arco === null || previous.arco === null) return false;
  return arcoRank(newest.arco) > arcoRank(previous.arco);
}

/** Months spanned by the newest run of the same stage on two or more studies (spec 8 "stable"). */
function stableMonths(history: readonly StageAtDate[]): number {
  const newest = history.at(-1);
  if (!newest || (newest.arco === null && newest.chinese === null)) return 0;
  let first = newest;
  let count = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const h = history[i];
    if (!h || h.arco !== newest.arco || h.chinese !== newest.chinese) break;
    first = h;
    count++;
  }
  return count >= 2 ? monthsBetween(first.date, newest.date) : 0;
}

const DEFAULT_STATUS: Record<1 | 2 | 3, RecommendationStatus> = { 1: 'recommended', 2: 'consider', 3: 'no-recommendation' };

/** One modality's status for one hip (clinical-spec.md section 5 status vocabulary). */
function recommend(m: ModalityRule, facts: MutableFacts, gaps: StageGap[]): Recommendation {
  const reasons: string[] = [];
  const notes: string[] = [...m.notes];
  let status: RecommendationStatus;
  let extraReasons = true;
  const contra = m.contraindications.filter((c) => truthy(c.when(facts)));
  if (m.recommendsAgainst) {
    status = 'not-recommended';
  } else if (contra.length > 0) {
    status = 'contraindicated';
    reasons.push(...contra.map((c) => c.reason));
    extraReasons = false;
  } else if (m.appliesTo && !truthy(m.appliesTo.when(facts))) {
    status = 'not-applicable';
    const stageUnknown = facts['arco-stage'] === null && facts['chinese-group'] === null;
    // Interpretation: with no stage known, a stage-bound modality is not offered, and the reason says why.
    reasons.push(stageUnknown ? `Stage unknown: for ${m.appliesTo.label} only` : `Outside ${m.appliesTo.label}`);
    extraReasons = false;
  } else {
    const rule = m.statusRules.find((s) => truthy(s.when(facts)));
    if (rule) {
      status = rule.status;
      reasons.push(rule.reason);
      notes.push(...rule.notes);
      gaps.push(...rule.dataGaps.map((g) => ({ ...g })));
    } else {
      status = DEFAULT_STATUS[m.strength];
      if (m.appliesTo) reasons.push(m.appliesTo.label);
    }
  }
  if (extraReasons) for (const r of m.reasons) if (r.when === null || truthy(r.when(facts))) reasons.push(r.reason);
  const combinations = m.combinations?.whenStatus.includes(status) ? m.combinations.list : undefined;
  return {
    modality: m.modality,
    status,
    evidence: m.evidence,
    strength: m.strength,
    reasons,
    source: m.source,
    ...(combinations ? { combinations } : {}),
    ...(notes.length > 0 ? { notes } : {}),
  };
}

function pushGap(gaps: DataGap[], gap: DataGap): void {
  if (gaps.some((g) => g.code === gap.code && g.side === gap.side && g.finding === gap.finding)) return;
  gaps.push(gap);
}

/** "ARCO 3A / Chinese IVa", for messages. */
function stageLabel(arco: string | null, chinese: string | null): string {
  return [arco === null ? null : `ARCO ${arco}`, chinese === null ? null : `Chinese ${chinese}`].filter((x) => x !== null).join(' / ');
}

function otherSide(side: Side): Side {
  return side === 'left' ? 'right' : side === 'right' ? 'left' : 'unknown';
}

/** Has the other hip an MRI on record (spec 8, contralateral hip)? Its own imaging, or a both-hips study. */
function contralateralMri(facts: PatientFacts, hip: HipFacts): boolean {
  const other = otherSide(hip.side);
  if (other === 'unknown') return false;
  if (facts.hips.find((h) => h.side === other)?.imaging.some((i) => i.modality === 'MR')) return true;
  return facts.imagingBySide?.[other].some((i) => i.modality === 'MR') ?? false;
}

/** Assesses one affected hip. */
function assessHip(
  rules: LoadedRules,
  facts: PatientFacts,
  patient: MutableFacts,
  hip: HipFacts,
  now: string,
  dataGaps: DataGap[],
): { hip: HipAssessment; workings: HipWorkings } {
  const otherMri = contralateralMri(facts, hip);
  const history = stageHistory(rules, patient, hip, otherMri);
  const f = hipRuleFacts(patient, hip, { asOf: now, current: true, contralateralMriOnRecord: otherMri }, rules.newFacts());
  f['stable-months'] = stableMonths(history);
  f['progression-on-serial-imaging'] = progressedOnSerialImaging(history);
  applyDerived(rules, f, 'findings');

  // Stage (spec 4): computed wins; a system the findings cannot reach falls back to the recorded stage.
  const computed = stageFacts(rules, f);
  const rec = hip.recordedStage;
  const recArco = isArcoStage(rec?.arco) ? rec.arco : null;
  const recChinese = isChineseStage(rec?.chinese) ? rec.chinese : null;
  const anyComputed = computed.arco !== null || computed.chinese !== null;
  const stage: HipStage = {
    arco: computed.arco ?? recArco,
    chinese: computed.chinese ?? recChinese,
    source: anyComputed ? 'computed' : rec ? 'recorded' : null,
    recorded: rec ? { arco: recArco, chinese: recChinese, ...(rec.text !== undefined ? { text: rec.text } : {}) } : null,
    history,
  };
  setStageFacts(rules, f, stage.arco, stage.chinese);

  const gaps: StageGap[] = [...computed.gaps];
  if (!anyComputed) gaps.push({ ...rules.staging.arco.noStage });
  if (rec && anyComputed && recordedStageLower({ arco: recArco, chinese: recChinese }, computed)) {
    gaps.push({
      code: 'stage-outdated',
      message: `Recorded stage ${rec.text ?? stageLabel(recArco, recChinese)} is lower than the stage the findings show (${stageLabel(computed.arco, computed.chinese)}).`,
    });
  }

  // Progression risk (spec 10) before follow-up: imaging factors keep the interval at 3 months.
  const factors = rules.progressionRisk.filter((p) => truthy(p.when(f)));
  const high = factors.some((p) => p.imaging);
  f['progression-risk-imaging'] = high;

  const recommendations = rules.modalities.map((m) => recommend(m, f, gaps));

  const surgical = rules.surgicalEvaluation.filter((s) => truthy(s.when(f)));

  const fu = rules.followUp;
  const studies = hip.imaging.filter((i) => fu.studyModalities.includes(i.modality));
  const lastStudy = studies.reduce<string | null>((newest, s) => (newest === null || s.date > newest ? s.date : newest), null);
  // Spec 8, interpretation: the interval is the one in force when the last study was done, so a
  // 3-monthly study missed early on stays overdue after the 6-month mark instead of vanishing.
  if (lastStudy !== null && hip.diagnosisDate !== null) {
    f['months-since-diagnosis-at-last-study'] = monthsElapsed(hip.diagnosisDate, lastStudy);
  }
  const modalityRule = fu.modality.find((x) => truthy(x.when(f)));
  const intervalRule = fu.interval.find((x) => truthy(x.when(f)));
  // The loader requires a last, unconditional row in both lists, so these fallbacks never apply.
  const months = intervalRule?.months ?? 6;
  const due = lastStudy === null ? now : addMonths(lastStudy, months);
  const followUp: FollowUp = {
    modality: modalityRule?.modality ?? 'MR',
    intervalMonths: months,
    lastStudy,
    due,
    overdue: due <= now,
    reasons: [modalityRule?.reason, intervalRule?.reason].filter((r): r is string => r !== undefined),
  };
  for (const g of fu.dataGaps) {
    if (!truthy(g.when(f))) continue;
    pushGap(dataGaps, {
      code: g.code,
      side: g.side === 'other-hip' ? otherSide(hip.side) : hip.side,
      message: g.message,
      ...(g.finding ? { finding: g.finding } : {}),
    });
  }
  for (const g of gaps) pushGap(dataGaps, { code: g.code, side: hip.side, message: g.message, ...(g.finding ? { finding: g.finding } : {}) });

  const findings: Record<string, number | boolean | string> = {};
  for (const [k, v] of Object.entries(hip.findings)) findings[k] = v;
  const size = f['size-category'];

  return {
    hip: {
      side: hip.side,
      conditions: hip.conditions,
      etiology: hip.etiology,
      findings,
      sizeCategory: size === 'small' || size === 'medium' || size === 'large' ? size : null,
      stage,
      recommendations,
      followUp,
      surgicalEvaluation: { indicated: surgical.length > 0, reasons: surgical.map((s) => s.reason) },
      progressionRisk: { high, factors: factors.map((p) => p.id) },
    },
    workings: { side: hip.side, facts: f, recommendations },
  };
}

/** clinical-spec.md sections 4–8 and 10 for one patient, evaluated at `now` (YYYY-MM-DD). */
export function assess(facts: PatientFacts, rules: LoadedRules, now: string): Assessment {
  const ruleRefs = rules.active.map((r) => ({ id: r.id, version: r.version }));
  if (!facts.inScope) {
    // clinical-spec.md 1: silence for the out-of-scope patient
    return {
      patientId: facts.patientId,
      evaluatedAt: now,
      inScope: false,
      rules: ruleRefs,
      hips: [],
      conservativeCare: { indicated: false, reasons: [] },
      riskFactors: [],
      dataGaps: [],
    };
  }
  const patient = patientRuleFacts(facts, now, rules.newFacts());
  const dataGaps: DataGap[] = [];
  for (const g of facts.dataGaps) pushGap(dataGaps, { ...g });

  const hips: HipAssessment[] = [];
  const workings: HipWorkings[] = [];
  for (const hip of facts.hips) {
    const r = assessHip(rules, facts, patient, hip, now, dataGaps);
    hips.push(r.hip);
    workings.push(r.workings);
  }

  // spec 7.2, per patient: any hip that meets an indication; reasons in rule order, once each.
  const conservative = rules.conservativeCare.filter((c) => workings.some((w) => truthy(c.when(w.facts))));

  // spec 10, per patient: derived facts evaluated over the patient's own facts.
  const pf = patient;
  applyDerived(rules, pf, 'findings');
  const riskFactors = rules.riskFactors
    .filter((r) => truthy(r.when(pf)))
    .map((r) => ({ id: r.id, evidence: r.says, ...(r.basis !== undefined ? { basis: r.basis } : {}) }));

  const assessment: Assessment = {
    patientId: facts.patientId,
    evaluatedAt: now,
    inScope: true,
    rules: ruleRefs,
    hips,
    conservativeCare: { indicated: conservative.length > 0, reasons: conservative.map((c) => c.id) },
    riskFactors,
    dataGaps,
  };
  workingsByAssessment.set(assessment, { patient: pf, hips: workings });
  return assessment;
}
