/**
 * assess(): PatientFacts + rules → Assessment (design.md section 1; clinical-spec.md sections 4–8,
 * 10). Pure: no I/O, no clock (the caller passes `now`). Every clinical threshold is in the rule
 * files; this module only sequences them: facts → stage → recommendations → follow-up.
 */
import type { HipFacts, ImagingFact, PatientFacts, Side } from './patient-facts.js';
import type { DerivedFactRule, LoadedRules } from '../rules/index.js';
import { truthy } from '../rules/logic.js';
import { addMonths, monthsBetween, monthsElapsed } from './dates.js';
import { planOf, type ModalityPlan, type RulePlan } from './plan.js';
import { reportParts } from './report-parts.js';
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

/** What assess() worked out for the patient and each hip: order checks read it (no second evaluation). */
export interface AssessmentWorkings {
  readonly patient: MutableFacts;
  readonly hips: readonly HipWorkings[];
}

/** evaluate()'s answer: the Assessment, and the workings behind it (null when out of scope). */
export interface Evaluation {
  readonly assessment: Assessment;
  readonly workings: AssessmentWorkings | null;
}

function applyDerived(derived: readonly DerivedFactRule[], facts: MutableFacts): void {
  for (const d of derived) facts[d.name] = d.value(facts);
}

/** Puts the stage the rules should use into the facts: computed, else recorded, else an equivalent. */
function setStageFacts(rules: LoadedRules, plan: RulePlan, facts: MutableFacts, arco: ArcoStage | null, chinese: ChineseStage | null): void {
  const arcoUsed = arco ?? (chinese !== null ? (rules.staging.chinese.equivalents[chinese] ?? null) : null);
  const chineseUsed = chinese ?? (arco !== null ? (rules.staging.arco.equivalents[arco] ?? null) : null);
  facts['arco-stage'] = arcoUsed;
  facts['chinese-stage'] = chineseUsed;
  facts['chinese-group'] = chineseGroup(chineseUsed);
  applyDerived(plan.derived.stage, facts);
}

/** Radiographs (CR, DX) are one modality when comparing like with like (spec 7.1). */
const modalityFamily = (m: string): string => (m === 'CR' || m === 'DX' ? 'XR' : m);

/** Most imaging dates per hip the stage history looks at (the newest ones). */
export const MAX_HISTORY_STUDIES = 100;

/**
 * Stage at each imaging date of the hip, from the findings observed up to that date (spec 8).
 * `base` is the patient's facts, copied for the hip (see hipRuleFacts).
 */
function stageHistory(rules: LoadedRules, plan: RulePlan, base: MutableFacts, hip: HipFacts, otherMri: boolean): StageAtDate[] {
  const seen = new Set<string>();
  const studies = hip.imaging.filter((study) => {
    const key = `${study.date}|${modalityFamily(study.modality)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  // Each date re-reads the hip's whole finding history, so the history is bounded to the newest
  // MAX_HISTORY_STUDIES dates: a real hip has a few dozen studies at most, and a hostile body of
  // thousands must not hold the event loop for a second (found by the robustness bench).
  const first = Math.max(0, studies.length - MAX_HISTORY_STUDIES);
  const history: StageAtDate[] = [];
  // One facts object refilled per date: hipRuleFacts writes every built-in fact and the derived
  // ones are recomputed. Studies of one date (an MRI and radiographs) see the same facts, so the
  // stage is worked out once per date.
  const facts: MutableFacts = { ...base };
  let date: string | null = null;
  let arco: ArcoStage | null = null;
  let chinese: ChineseStage | null = null;
  for (let i = first; i < studies.length; i++) {
    const study = studies[i] as (typeof studies)[number];
    if (study.date !== date) {
      date = study.date;
      hipRuleFacts(hip, { asOf: date, current: false, contralateralMriOnRecord: otherMri }, facts);
      applyDerived(plan.derived.findings, facts);
      arco = stageBySystem(rules.staging.arco, facts, null) as ArcoStage | null;
      chinese = stageBySystem(rules.staging.chinese, facts, null) as ChineseStage | null;
    }
    history.push({ date: study.date, arco, chinese, modality: study.modality });
  }
  return history;
}

/** ARCO at the newest study higher than at the previous study of the same modality (spec 7.1). */
function progressedOnSerialImaging(history: readonly StageAtDate[]): boolean {
  const newest = history.at(-1);
  if (!newest?.modality) return false;
  const family = modalityFamily(newest.modality);
  let previous: StageAtDate | undefined;
  for (let i = history.length - 2; i >= 0 && previous === undefined; i--) {
    const h = history[i];
    if (h?.modality !== undefined && modalityFamily(h.modality) === family && h.date < newest.date) previous = h;
  }
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

/** One modality's status for one hip (clinical-spec.md section 5 status vocabulary). */
function recommend(plan: ModalityPlan, facts: MutableFacts, gaps: StageGap[]): Recommendation {
  const m = plan.rule;
  const reasons: string[] = [];
  let notes = m.notes;
  let status: RecommendationStatus;
  let extraReasons = true;
  if (!m.recommendsAgainst) for (const c of m.contraindications) if (truthy(c.when(facts))) reasons.push(c.reason);
  if (m.recommendsAgainst) {
    status = 'not-recommended';
  } else if (reasons.length > 0) {
    status = 'contraindicated';
    extraReasons = false;
  } else if (m.appliesTo && !truthy(m.appliesTo.when(facts))) {
    status = 'not-applicable';
    const stageUnknown = facts['arco-stage'] === null && facts['chinese-group'] === null;
    reasons.push(stageUnknown ? plan.stageUnknown : plan.outside);
    extraReasons = false;
  } else {
    const rule = firstThatApplies(m.statusRules, facts);
    if (rule) {
      status = rule.status;
      reasons.push(rule.reason);
      if (rule.notes.length > 0) notes = notes.concat(rule.notes);
      for (const g of rule.dataGaps) gaps.push({ ...g });
    } else {
      status = plan.defaultStatus;
      if (m.appliesTo) reasons.push(m.appliesTo.label);
    }
  }
  if (extraReasons) for (const r of m.reasons) if (r.when === null || truthy(r.when(facts))) reasons.push(r.reason);
  // Written out rather than spread ({...rec, notes}): a spread copy costs more than all of the above.
  const { modality, evidence, strength, source } = m;
  if (m.combinations !== null && m.combinations.whenStatus.includes(status)) {
    const combinations = m.combinations.list;
    return notes.length > 0
      ? { modality, status, evidence, strength, reasons, source, combinations, notes: notes.slice() }
      : { modality, status, evidence, strength, reasons, source, combinations };
  }
  return notes.length > 0 ? { modality, status, evidence, strength, reasons, source, notes: notes.slice() } : { modality, status, evidence, strength, reasons, source };
}

/** The first row whose condition holds (a loop: Array.find's closure costs more than the rows). */
function firstThatApplies<T extends { readonly when: (facts: object) => unknown }>(rows: readonly T[], facts: MutableFacts): T | undefined {
  for (const row of rows) if (truthy(row.when(facts))) return row;
  return undefined;
}

function hasGap(gaps: readonly DataGap[], code: string, side: Side | undefined, finding: string | undefined): boolean {
  for (const g of gaps) if (g.code === code && g.side === side && g.finding === finding) return true;
  return false;
}

/** Adds a hip's data gap unless the list has it already (same code, side and finding). */
function pushGap(gaps: DataGap[], code: string, side: Side, message: string, finding: string | undefined): void {
  if (hasGap(gaps, code, side, finding || undefined)) return;
  gaps.push(finding ? { code, side, message, finding } : { code, side, message });
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
  const otherHip = facts.hips.find((h) => h.side === other);
  return (otherHip !== undefined && hasMri(otherHip.imaging)) || (facts.imagingBySide !== undefined && hasMri(facts.imagingBySide[other]));
}

function hasMri(imaging: readonly ImagingFact[]): boolean {
  for (const i of imaging) if (i.modality === 'MR') return true;
  return false;
}

/** The follow-up data gaps of a hip (`otherOnly`: only those naming the other hip); none naming a replaced hip. */
function followUpGaps(fu: LoadedRules['followUp'], f: MutableFacts, side: Side, replaced: ReadonlySet<Side>, dataGaps: DataGap[], otherOnly: boolean): void {
  for (const g of fu.dataGaps) {
    if (otherOnly && g.side !== 'other-hip') continue;
    const named = g.side === 'other-hip' ? otherSide(side) : side;
    if (replaced.has(named)) continue; // a prosthetic hip has no femoral head to image for ONFH
    if (truthy(g.when(f))) pushGap(dataGaps, g.code, named, g.message, g.finding);
  }
}

/**
 * A replaced hip with ONFH on record is not assessed, but its ONFH still makes the other, natural
 * hip worth an MRI (clinical-spec.md 8, 14: the contralateral check stays).
 */
function otherHipGaps(
  rules: LoadedRules, plan: RulePlan, facts: PatientFacts, base: MutableFacts, hip: HipFacts, now: string,
  replaced: ReadonlySet<Side>, dataGaps: DataGap[],
): void {
  const f = hipRuleFacts(hip, { asOf: now, current: true, contralateralMriOnRecord: contralateralMri(facts, hip) }, { ...base });
  applyDerived(plan.derived.findings, f);
  followUpGaps(rules.followUp, f, hip.side, replaced, dataGaps, true);
}

/** Assesses one affected hip. `base`: the patient's facts, before any hip or derived fact. */
function assessHip(
  rules: LoadedRules,
  plan: RulePlan,
  facts: PatientFacts,
  base: MutableFacts,
  hip: HipFacts,
  now: string,
  dataGaps: DataGap[],
  replaced: ReadonlySet<Side>,
): { hip: HipAssessment; workings: HipWorkings } {
  const otherMri = contralateralMri(facts, hip);
  const history = stageHistory(rules, plan, base, hip, otherMri);
  const f = hipRuleFacts(hip, { asOf: now, current: true, contralateralMriOnRecord: otherMri }, { ...base });
  f['stable-months'] = stableMonths(history);
  f['progression-on-serial-imaging'] = progressedOnSerialImaging(history);
  applyDerived(plan.derived.findings, f);

  // Stage (spec 4): computed wins; a system the findings cannot reach falls back to the recorded stage.
  const gaps: StageGap[] = [];
  const computed = {
    arco: stageBySystem(rules.staging.arco, f, gaps) as ArcoStage | null,
    chinese: stageBySystem(rules.staging.chinese, f, gaps) as ChineseStage | null,
  };
  const rec = hip.recordedStage;
  const recArco = isArcoStage(rec?.arco) ? rec.arco : null;
  const recChinese = isChineseStage(rec?.chinese) ? rec.chinese : null;
  const anyComputed = computed.arco !== null || computed.chinese !== null;
  // design.md 5: a stage read from a report is used only when none is computed or recorded.
  const reported = !anyComputed && !rec ? hip.reportedStage ?? null : null;
  const stage: HipStage = {
    arco: computed.arco ?? recArco ?? reported?.arco ?? null,
    chinese: computed.chinese ?? recChinese,
    source: anyComputed ? 'computed' : rec ? 'recorded' : reported ? 'reported' : null,
    recorded: rec ? (rec.text !== undefined ? { arco: recArco, chinese: recChinese, text: rec.text } : { arco: recArco, chinese: recChinese }) : null,
    history,
  };
  setStageFacts(rules, plan, f, stage.arco, stage.chinese);

  if (!anyComputed) gaps.push({ ...rules.staging.arco.noStage });
  if (rec && anyComputed && recordedStageLower({ arco: recArco, chinese: recChinese }, computed)) {
    gaps.push({
      code: 'stage-outdated',
      message: `Recorded stage ${rec.text ?? stageLabel(recArco, recChinese)} is lower than the stage the findings show (${stageLabel(computed.arco, computed.chinese)}).`,
    });
  }

  // Progression risk (spec 10) before follow-up: imaging factors keep the interval at 3 months.
  const factors: string[] = [];
  let high = false;
  for (const p of rules.progressionRisk) {
    if (!truthy(p.when(f))) continue;
    factors.push(p.id);
    if (p.imaging) high = true;
  }
  f['progression-risk-imaging'] = high;

  const recommendations: Recommendation[] = [];
  for (const m of plan.modalities) recommendations.push(recommend(m, f, gaps));

  const surgical: string[] = [];
  for (const s of rules.surgicalEvaluation) if (truthy(s.when(f))) surgical.push(s.reason);

  const fu = rules.followUp;
  let lastStudy: string | null = null;
  for (const i of hip.imaging) {
    if ((lastStudy === null || i.date > lastStudy) && fu.studyModalities.includes(i.modality)) lastStudy = i.date;
  }
  // Spec 8, interpretation: the interval is the one in force when the last study was done, so a
  // 3-monthly study missed early on stays overdue after the 6-month mark instead of vanishing.
  if (lastStudy !== null && hip.diagnosisDate !== null) {
    f['months-since-diagnosis-at-last-study'] = monthsElapsed(hip.diagnosisDate, lastStudy);
  }
  const modalityRule = firstThatApplies(fu.modality, f);
  f['follow-up-modality'] = modalityRule?.modality ?? null; // the interval rules read the study chosen (ARCO 1 MRI: 6-12 months)
  const intervalRule = firstThatApplies(fu.interval, f);
  // The loader requires a last, unconditional row in both lists, so these fallbacks never apply.
  const months = intervalRule?.months ?? 6;
  const due = lastStudy === null ? now : addMonths(lastStudy, months);
  const reasons: string[] = [];
  if (modalityRule?.reason !== undefined) reasons.push(modalityRule.reason);
  if (intervalRule?.reason !== undefined) reasons.push(intervalRule.reason);
  // clinical-spec.md 14: imaging already booked for this hip is not overdue, and no order is offered
  const booked = scheduledFor(facts, hip.side, modalityRule?.modality ?? 'MR', lastStudy, now);
  const followUp: FollowUp = booked === undefined
    ? { modality: modalityRule?.modality ?? 'MR', intervalMonths: months, lastStudy, due, overdue: due <= now, reasons }
    : { modality: modalityRule?.modality ?? 'MR', intervalMonths: months, lastStudy, due, overdue: false, reasons, scheduled: booked.date, scheduledRef: booked.ref };
  followUpGaps(fu, f, hip.side, replaced, dataGaps, false);
  for (const g of gaps) pushGap(dataGaps, g.code, hip.side, g.message, g.finding);

  const size = f['size-category'];
  return {
    hip: {
      side: hip.side,
      conditions: hip.conditions,
      etiology: hip.etiology,
      findings: { ...hip.findings },
      sizeCategory: size === 'small' || size === 'medium' || size === 'large' ? size : null,
      stage,
      recommendations,
      followUp,
      surgicalEvaluation: { indicated: surgical.length > 0, reasons: surgical },
      progressionRisk: { high, factors },
    },
    workings: { side: hip.side, facts: f, recommendations },
  };
}

/** The Assessment of a patient the service says nothing about (clinical-spec.md 1, 14). */
function outOfScope(facts: PatientFacts, plan: RulePlan, now: string, reason?: 'under-18'): Assessment {
  return {
    patientId: facts.patientId,
    evaluatedAt: now,
    inScope: false,
    ...(reason !== undefined && { outOfScopeReason: reason }),
    rules: plan.ruleRefs,
    hips: [],
    replacedHips: [],
    pregnant: false,
    conservativeCare: { indicated: false, reasons: [] },
    riskFactors: [],
    dataGaps: [],
    // design.md 5 / clinical-spec.md 13: what the reports say, unless the patient is a child (14)
    ...(reason === undefined ? reportParts(facts) : { reportFindings: [], suspectedOnfh: [] }),
  };
}

/** clinical-spec.md 14: a derived fact of the patient's own facts (e.g. "under-18"), before any hip. */
function patientFactHolds(plan: RulePlan, patient: MutableFacts, name: string): boolean {
  const copy: MutableFacts = { ...patient };
  applyDerived(plan.derived.findings, copy);
  return copy[name] === true;
}

/**
 * clinical-spec.md 14: imaging of this hip (or both hips) already booked, the study the follow-up
 * asks for: the first still to come. Clinical review of issue 19: a booking is of the study due (an MRI
 * booked does not stand for the CT a suspected collapse needs, though it does for radiographs); a booked date already past with no
 * study on record has not happened, so the follow-up is overdue again; a request with no booked date
 * counts only when it was written after the last study (an order of 2024 is not this round's).
 */
function scheduledFor(facts: PatientFacts, side: Side, modality: 'MR' | 'CT' | 'XR', lastStudy: string | null, now: string): { date: string; ref: string } | undefined {
  let first: { date: string; ref: string } | undefined;
  for (const s of facts.scheduledImaging ?? []) {
    if (s.side !== 'both' && side !== 'unknown' && s.side !== side) continue;
    // an MRI booked stands for follow-up radiographs (it shows more of ONFH); nothing stands for a CT due
    if (s.modality !== modality && !(modality === 'XR' && s.modality === 'MR')) continue;
    if (s.booked ? s.date < now : lastStudy !== null && s.date < lastStudy) continue;
    if (first === undefined || s.date < first.date) first = s;
  }
  return first;
}

/** The Assessment alone (see evaluate()). */
export function assess(facts: PatientFacts, rules: LoadedRules, now: string): Assessment {
  return evaluate(facts, rules, now).assessment;
}

/** clinical-spec.md sections 4–8 and 10 for one patient, evaluated at `now` (YYYY-MM-DD). */
export function evaluate(facts: PatientFacts, rules: LoadedRules, now: string): Evaluation {
  const plan = planOf(rules);
  const patient = patientRuleFacts(facts, now, rules.newFacts());
  // clinical-spec.md 14: adults only (GL2025 is adult ONFH; in children it is mostly Perthes disease),
  // checked first so that a child with ONFH only on a report (section 13) is silent too
  if (patientFactHolds(plan, patient, 'under-18')) return { assessment: outOfScope(facts, plan, now, 'under-18'), workings: null };
  // clinical-spec.md 1: silence for the out-of-scope patient (its report parts still shown, section 13)
  if (!facts.inScope) return { assessment: outOfScope(facts, plan, now), workings: null };
  // Every hip's facts start as a copy of the patient's, taken before the patient's derived facts.
  const base: MutableFacts = { ...patient };
  const dataGaps: DataGap[] = [];
  for (const g of facts.dataGaps) {
    // source-unavailable: one per resource type already (src/facts/sources.ts), each kept
    if (g.code === 'source-unavailable' || !hasGap(dataGaps, g.code, g.side, g.finding)) dataGaps.push({ ...g });
  }

  const hips: HipAssessment[] = [];
  const workings: HipWorkings[] = [];
  // clinical-spec.md 14: a replaced hip has no femoral head: no stage, modality, imaging or surgery
  const replaced = new Set(facts.replacedHips ?? []);
  for (const hip of facts.hips) {
    if (hip.side !== 'unknown' && replaced.has(hip.side)) {
      otherHipGaps(rules, plan, facts, base, hip, now, replaced, dataGaps);
      continue;
    }
    const r = assessHip(rules, plan, facts, base, hip, now, dataGaps, replaced);
    hips.push(r.hip);
    workings.push(r.workings);
  }

  // spec 7.2, per patient: any hip that meets an indication; reasons in rule order, once each.
  const conservative: string[] = [];
  for (const c of rules.conservativeCare) {
    for (const w of workings) {
      if (!truthy(c.when(w.facts))) continue;
      conservative.push(c.id);
      break;
    }
  }

  // spec 10, per patient: derived facts evaluated over the patient's own facts.
  applyDerived(plan.derived.findings, patient);
  const riskFactors: Assessment['riskFactors'][number][] = [];
  for (const r of rules.riskFactors) {
    if (truthy(r.when(patient))) riskFactors.push(r.basis !== undefined ? { id: r.id, evidence: r.says, basis: r.basis } : { id: r.id, evidence: r.says });
  }

  const assessment: Assessment = {
    patientId: facts.patientId,
    evaluatedAt: now,
    inScope: true,
    rules: plan.ruleRefs,
    hips,
    replacedHips: [...replaced],
    pregnant: facts.pregnant === true,
    conservativeCare: { indicated: conservative.length > 0, reasons: conservative },
    riskFactors,
    dataGaps,
    ...reportParts(facts),
  };
  return { assessment, workings: { patient, hips: workings } };
}
