/**
 * checkOrders(): draft orders → OrderChecks (clinical-spec.md section 11). The rows are in
 * rules/order-checks/*.json; an order no row speaks about gets no entry at all.
 */
import type { DraftOrderFact, Side } from './patient-facts.js';
import type { LoadedRules, OrderCheckRule } from '../rules/index.js';
import { truthy } from '../rules/logic.js';
import type { Evaluation, HipWorkings } from './assess.js';
import type { MutableFacts } from './rule-facts.js';
import type { OrderCheck } from './types.js';

/** The hip facts an order check sees: the hip's facts plus `status.<modality>` for that hip. */
function withStatuses(w: HipWorkings): MutableFacts {
  const status: Record<string, string> = {};
  for (const r of w.recommendations) status[r.modality] = r.status;
  return { ...w.facts, status };
}

/** spec 11: the hip the order names; an order with no side (or a side no hip has) → every affected hip. */
function hipsConcerned(order: DraftOrderFact, hips: readonly HipWorkings[]): readonly HipWorkings[] {
  if (order.side === null || order.side === 'unknown') return hips;
  const named = hips.filter((h) => h.side === order.side);
  if (named.length > 0) return named;
  // The named side has no ONFH on record: a hip of unknown side may be that one.
  return hips.filter((h) => h.side === 'unknown');
}

function pushOnce(list: string[], items: readonly string[]): void {
  for (const i of items) if (!list.includes(i)) list.push(i);
}

function checkOne(rule: OrderCheckRule, order: DraftOrderFact, patient: MutableFacts, hips: readonly HipWorkings[]): OrderCheck | null {
  let matched: readonly { facts: MutableFacts; hip: HipWorkings | null }[];
  let sides: Side[];
  if (rule.scope === 'patient') {
    if (rule.when && !truthy(rule.when(patient))) return null;
    matched = [{ facts: patient, hip: null }];
    sides = hipsConcerned(order, hips).map((h) => h.side);
  } else {
    const concerned = hipsConcerned(order, hips).map((h) => ({ facts: withStatuses(h), hip: h }));
    if (concerned.length === 0) return null;
    const hipsMatched = concerned.filter((c) => rule.when === null || truthy(rule.when(c.facts)));
    if (rule.scope === 'every-hip' ? hipsMatched.length !== concerned.length : hipsMatched.length === 0) return null;
    matched = hipsMatched;
    sides = hipsMatched.map((m) => m.hip.side);
  }
  const reasons: string[] = [];
  for (const m of matched) {
    pushOnce(reasons, rule.reasons.filter((r) => r.when === null || truthy(r.when(m.facts))).map((r) => r.reason));
    if (rule.includeRecommendation && m.hip) {
      const rec = m.hip.recommendations.find((r) => r.modality === rule.includeRecommendation);
      if (rec) pushOnce(reasons, [...rec.reasons, ...(rec.notes ?? [])]);
    }
  }
  const first = matched[0];
  const indicator = (first && rule.indicatorWhen.find((x) => truthy(x.when(first.facts)))?.indicator) ?? rule.indicator;
  return {
    check: rule.check,
    indicator,
    order: { resourceType: order.resourceType, id: order.id, display: order.display },
    sides,
    reasons,
    source: rule.source,
    ...(rule.suggestion ? { suggestion: rule.suggestion } : {}),
    ...(rule.overrideReasons ? { overrideReasons: rule.overrideReasons } : {}),
    rule: { id: rule.rule.id, version: rule.rule.version },
  };
}

/**
 * Checks draft orders against the evaluation of the same patient (clinical-spec.md section 11):
 * the facts and recommendations evaluate() worked out, passed in. Out of scope → no checks.
 * Orders whose kind no rule names → no entry.
 */
export function checkOrders(evaluation: Evaluation, orders: readonly DraftOrderFact[], rules: LoadedRules): OrderCheck[] {
  const { assessment, workings } = evaluation;
  if (!assessment.inScope || workings === null || orders.length === 0) return [];
  const out: OrderCheck[] = [];
  for (const order of orders) {
    for (const rule of rules.orderChecks) {
      if (!rule.kinds.includes(order.kind)) continue;
      if (rule.resourceTypes && !rule.resourceTypes.includes(order.resourceType)) continue;
      const check = checkOne(rule, order, workings.patient, workings.hips);
      if (check) out.push(check);
    }
  }
  return out;
}
