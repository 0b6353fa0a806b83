/**
 * order-select / order-sign: one card per OrderCheck (clinical-spec.md section 11). The engine has
 * decided what to say and how urgently; this module words it and builds the suggestion (remove the
 * draft, or replace a wheelchair with a walking aid).
 */
import type { Card, OverrideReasonCoding, Suggestion } from '../cds-hooks/card.js';
import type { Assessment, OrderCheck } from '../engine/types.js';
import { finishCard, guidelineLinks, overrideReason, type CardContext, type CardDraft } from './context.js';
import { walkingAidDeviceRequest, walkingAidName, type WalkingAid } from './resources.js';
import { capitalise, clip, hipsPhrase } from './vocabulary.js';

export function orderCards(checks: readonly OrderCheck[], assessment: Assessment, ctx: CardContext): Card[] {
  // clinical-spec.md section 11: every check applies to a patient with ONFH in scope only.
  if (!assessment.inScope) return [];
  return checks.map((check) => finishCard(orderCard(check, assessment, ctx), [check.rule], ctx));
}

function isBisphosphonate(check: OrderCheck): boolean {
  return check.check === 'bisphosphonate' || /zoledron|alendron/i.test(check.check);
}

function summaryOf(check: OrderCheck, a: Assessment, what: string): string {
  if (isBisphosphonate(check)) {
    return check.indicator === 'info'
      ? `${what}: not recommended for ONFH (GL2025 Table 6, A1); osteoporosis is on record`
      : `${what}: not recommended for ONFH (GL2025 Table 6, A1); remove unless prescribed for another indication`;
  }
  if (check.suggestion === 'replace-with-walking-aid' || check.check === 'wheelchair') {
    return `${what}: not recommended in ONFH (GL2025 3.7.1); offer crutches or a walking frame instead`;
  }
  // Which hip matters only when the patient has more than one affected hip.
  const hips = a.hips.length > 1 && check.sides.length > 0 ? ` (${hipsPhrase(check.sides)})` : '';
  const reason = check.reasons[0];
  return `${what}${hips}${reason === undefined ? '' : `: ${reason}`}`;
}

function deleteDraft(check: OrderCheck): { type: 'delete'; description: string; resourceId: string } {
  return { type: 'delete', description: `Remove the draft order: ${check.order.display}`, resourceId: `${check.order.resourceType}/${check.order.id}` };
}

function suggestionsOf(check: OrderCheck, a: Assessment, ctx: CardContext): Pick<CardDraft, 'suggestions' | 'selectionBehavior'> {
  switch (check.suggestion) {
    case undefined:
      return {};
    case 'delete-draft':
      return { suggestions: [{ label: `Remove the draft order: ${check.order.display}`, actions: [deleteDraft(check)] }], selectionBehavior: 'at-most-one' };
    case 'replace-with-walking-aid': {
      const hips = a.hips.filter((h) => check.sides.includes(h.side));
      const forHips = hips.length > 0 ? hips : a.hips;
      // GL2025 3.7.1: canes, crutches, walking frames. Deletes come first within a suggestion (CDS Hooks 2.0 Suggestion).
      const aids: readonly WalkingAid[] = ['crutches', 'walking-frame'];
      const suggestions = aids.map((aid): Omit<Suggestion, 'uuid'> => ({
        label: `Order ${aid === 'crutches' ? 'crutches' : 'a walking frame'} instead`,
        actions: [
          deleteDraft(check),
          { type: 'create', description: `Create a draft order: ${walkingAidName(aid)}`, resource: walkingAidDeviceRequest(aid, forHips, ctx.patientId) },
        ],
      }));
      return { suggestions, selectionBehavior: 'at-most-one' };
    }
  }
}

function overrideReasonsOf(check: OrderCheck): OverrideReasonCoding[] {
  const reasons = new Map<string, OverrideReasonCoding>();
  const add = (r: OverrideReasonCoding): void => { if (!reasons.has(r.code)) reasons.set(r.code, r); };
  // clinical-spec.md section 11: the bisphosphonate card always offers this reason.
  if (isBisphosphonate(check)) add(overrideReason('other-indication', 'Prescribed for osteoporosis or another indication'));
  for (const r of check.overrideReasons ?? []) add(overrideReason(r.code, r.display));
  if (check.indicator !== 'info') add(overrideReason('clinical-judgement', 'Benefit outweighs the risk for this patient'));
  return [...reasons.values()];
}

function extraLine(check: OrderCheck): string | undefined {
  if (isBisphosphonate(check)) {
    return 'GL2025 Table 6 recommends against zoledronic acid and alendronate for ONFH (A1). This does not concern their use for osteoporosis or another indication.';
  }
  if (check.suggestion === 'replace-with-walking-aid' || check.check === 'wheelchair') {
    return 'GL2025 3.7.1: self-management includes protective weight bearing and assistive devices (canes, crutches, walking frames); wheelchairs are not recommended.';
  }
  return undefined;
}

function orderCard(check: OrderCheck, a: Assessment, ctx: CardContext): CardDraft {
  const what = capitalise(check.order.display);
  const extra = extraLine(check);
  // With one affected hip there is no doubt which hip an order concerns.
  const hips = a.hips.length > 1 && check.sides.length > 0 ? `Concerns the ${hipsPhrase(check.sides)}.` : undefined;
  const detail = [
    ...check.reasons.map((r) => `- ${r}`),
    ...(hips === undefined ? [] : ['', hips]),
    ...(extra === undefined ? [] : ['', extra]),
    '',
    `_Source: ${check.source}._`,
  ];
  return {
    summary: clip(summaryOf(check, a, what)),
    detail: (detail[0] === '' ? detail.slice(1) : detail).join('\n'),
    indicator: check.indicator,
    ...suggestionsOf(check, a, ctx),
    overrideReasons: overrideReasonsOf(check),
    links: guidelineLinks(ctx, `Guideline (${check.source})`),
  };
}
