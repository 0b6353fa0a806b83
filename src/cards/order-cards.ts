/**
 * order-select / order-sign: one card per OrderCheck (clinical-spec.md section 11). The engine has
 * decided what to say and how urgently; this module words it and builds the suggestion (remove the
 * draft, or replace a wheelchair with a walking aid).
 */
import type { Card, OverrideReasonCoding, Suggestion } from '../cds-hooks/card.js';
import type { Assessment, OrderCheck } from '../engine/types.js';
import { cardStamp, finishCard, guidelineLinks, overrideReason, type CardContext, type CardDraft } from './context.js';
import { walkingAidDeviceRequest, walkingAidName, type WalkingAid } from './resources.js';
import { clip, hipsPhrase, ownWord, theHips } from './vocabulary.js';

export function orderCards(checks: readonly OrderCheck[], assessment: Assessment, ctx: CardContext): Card[] {
  // clinical-spec.md section 11: every check applies to a patient with ONFH in scope only.
  if (!assessment.inScope) return [];
  return checks.map((check) => finishCard(orderCard(check, assessment, ctx), cardStamp([check.rule], ctx), ctx));
}

function isBisphosphonate(check: OrderCheck): boolean {
  return check.check === 'bisphosphonate';
}

function isWheelchair(check: OrderCheck): boolean {
  return check.check === 'wheelchair' || check.suggestion === 'replace-with-walking-aid';
}

/**
 * Order kinds (rules/valuesets procedure, medication and device values) in a clinician's words: a
 * draft whose only label is its code (the project's own `onfh-procedure` codes carry no display)
 * would otherwise read "Eswt:" or "Core-decompression:".
 */
const KIND_NAME: Readonly<Record<string, string>> = {
  'core-decompression': 'core decompression',
  eswt: 'ESWT',
  hbo: 'hyperbaric oxygen',
  prp: 'PRP injection',
  'cell-therapy': 'cell therapy',
  svf: 'SVF injection',
  bmac: 'BMAC injection',
  bmmnc: 'BMMNC injection',
  bmmsc: 'BMMSC injection',
  ozone: 'ozone injection',
  radiofrequency: 'pulsed radiofrequency',
  'intra-articular-corticosteroid-injection': 'intra-articular corticosteroid injection',
  'total-hip-arthroplasty': 'total hip arthroplasty',
  resurfacing: 'hip resurfacing',
  'zoledronic-acid': 'zoledronic acid',
  alendronate: 'alendronate',
  enoxaparin: 'enoxaparin',
  simvastatin: 'simvastatin',
  'systemic-corticosteroid': 'systemic corticosteroid',
  wheelchair: 'wheelchair',
};

/** The order inside a sentence: a bare code in a clinician's words ("ESWT", "wheelchair"), else the order's own words. */
function orderWords(display: string): string {
  return ownWord(KIND_NAME, display.trim().toLowerCase()) ?? display.trim();
}

/** Does the order's own wording already name a side ("BMAC injection, right hip")? */
function namesSide(what: string): boolean {
  return /\b(left|right|both|bilateral)\b/i.test(what);
}

/** "the right hip is", "both hips are". */
function hipsAre(sides: readonly string[]): string {
  const hips = theHips(sides as Parameters<typeof theHips>[0]);
  return `${hips} ${sides.length > 1 ? 'are' : 'is'}`;
}

/** A reason without its bracketed source ("… (GL2025 Table 4)"): the source is in the detail and the link. */
function withoutCitation(reason: string): string {
  return reason.replace(/\s*\((?:GL2025|SMALL|TCM|FAQ|CHRONIC|clinical-spec)[^)]*\)/g, '');
}

/** A minimally invasive check's reasons, shortened for the summary (the detail keeps them whole). */
function minimallyInvasiveWhy(check: OrderCheck): string {
  const parts = check.reasons.map((r) =>
    r.startsWith('Femoral head collapse') ? 'post-collapse' : r.replace(/^Contraindicated: /, ''));
  return parts.join(', ');
}

/**
 * One line a clinician reads in seconds while signing (clinical-spec.md 14: the action first, no
 * jargon): what to do with the order, then why in a few words. The rule's reasons, its source and the
 * guideline table go in the detail and the link; guideline abbreviations (GL2025, SMALL, …) do not
 * belong in a line read between two signatures.
 */
function summaryOf(check: OrderCheck, what: string): string {
  const hips = check.sides.length > 0 ? theHips(check.sides) : 'the affected hip';
  // the hip(s) in brackets, unless the order's own words already name the side
  const forHips = check.sides.length > 0 && !namesSide(what) ? ` (${hipsPhrase(check.sides)})` : '';
  const why = check.reasons[1];
  switch (check.check) {
    case 'bisphosphonate':
      return check.indicator === 'info'
        ? `Keep ${what} for osteoporosis only: the 2025 guideline recommends against it for ONFH (A1)`
        : `Remove ${what} unless for another indication: the 2025 guideline recommends against it for ONFH (A1)`;
    case 'systemic-corticosteroid':
      return `Use the lowest effective dose and shortest course of ${what}: corticosteroids are a common cause of ONFH`;
    case 'core-decompression':
      return check.indicator === 'info'
        ? `Weigh ${what}${namesSide(what) ? '' : ` for ${hips}`}: an option, not a firm recommendation`
        : `Reconsider ${what}: contraindicated${namesSide(what) ? '' : ` for ${hips}`}${why === undefined ? '' : ` — ${withoutCitation(why)}`}`;
    case 'enoxaparin-contraindicated':
    case 'simvastatin-contraindicated':
      // a patient-level contraindication of the drug: the reasons say it all, no hip to name
      return `Reconsider ${what}: ${check.reasons.map(withoutCitation).join('; ')}`;
    case 'eswt':
      return `Reconsider ${what}: ESWT is for Chinese stage I–II, and ${check.sides.length > 0 ? hipsAre(check.sides) : 'the affected hip is'} beyond it`;
    case 'intra-articular-corticosteroid-injection':
      return `Weigh ${what} with caution: variable efficacy in ONFH, may harm the joint`;
    case 'arthroplasty':
      // spec 11: the card names the hip(s) the order concerns, not "every affected hip"
      return `Consider hip-preserving options before ${what}: ${check.sides.length > 0 ? hipsAre(check.sides) : 'every affected hip is'} pre-collapse`;
    case 'minimally-invasive':
      // the reasons, never cut, matter more in 140 characters
      return `Reconsider ${what}${forHips}: not advised — ${minimallyInvasiveWhy(check)}`;
    case 'wheelchair':
      return `Replace ${what} with crutches or a walking frame: wheelchairs are not recommended in ONFH`;
    case 'pregnancy':
      return `Remove ${what}: not offered in pregnancy, and the record says the patient is pregnant`;
    default:
      return `Review ${what}${forHips}: ${check.reasons.map(withoutCitation).join('; ') || check.source}`;
  }
}

/** FHIR R4 id datatype: what a `delete` action's `resourceId` can name. */
const FHIR_ID = /^[A-Za-z0-9.-]{1,64}$/;

/** The delete action for the draft, or none when the draft has no usable id (it cannot be named, so it cannot be removed). */
function deleteDraft(check: OrderCheck): { type: 'delete'; description: string; resourceId: string }[] {
  if (!FHIR_ID.test(check.order.id) || !FHIR_ID.test(check.order.resourceType)) return [];
  return [{ type: 'delete', description: `Remove the draft order: ${check.order.display}`, resourceId: `${check.order.resourceType}/${check.order.id}` }];
}

function suggestionsOf(check: OrderCheck, a: Assessment, ctx: CardContext): Pick<CardDraft, 'suggestions' | 'selectionBehavior'> {
  switch (check.suggestion) {
    case undefined:
      return {};
    case 'delete-draft': {
      const remove = deleteDraft(check);
      // Without an id the card still warns, but offers no button that could not work.
      return remove.length === 0
        ? {}
        : { suggestions: [{ label: `Remove the draft order: ${check.order.display}`, actions: remove }], selectionBehavior: 'at-most-one' };
    }
    case 'replace-with-walking-aid': {
      const hips = a.hips.filter((h) => check.sides.includes(h.side));
      const forHips = hips.length > 0 ? hips : a.hips;
      // GL2025 3.7.1: canes, crutches, walking frames. Deletes come first within a suggestion (CDS Hooks 2.0 Suggestion).
      const aids: readonly WalkingAid[] = ['crutches', 'walking-frame'];
      const suggestions = aids.map((aid): Omit<Suggestion, 'uuid'> => ({
        label: `Order ${aid === 'crutches' ? 'crutches' : 'a walking frame'} instead`,
        actions: [
          ...deleteDraft(check),
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
  // clinical-spec.md section 11: the bisphosphonate card always offers this reason, first.
  if (isBisphosphonate(check)) add(overrideReason('other-indication', 'Prescribed for osteoporosis or another indication'));
  for (const r of check.overrideReasons ?? []) add(overrideReason(r.code, r.display));
  // design.md section 1: warning cards carry override reasons, whatever the rule file says.
  if (check.indicator !== 'info' && reasons.size === 0) {
    add(overrideReason('clinician-judgement', 'Clinical judgement: benefits outweigh the risk for this patient'));
  }
  return [...reasons.values()];
}

/** What the card adds to the rule's reasons: the guideline's own position, and what is interpretation. */
function extraLine(check: OrderCheck): string | undefined {
  switch (check.check) {
    case 'bisphosphonate':
      return 'GL2025 Table 6 recommends against zoledronic acid and alendronate for ONFH (A1). This does not concern their use for osteoporosis or another indication.';
    case 'systemic-corticosteroid':
      return 'GL2025 3.3.2 names long-term corticosteroid use among the common precipitating factors of non-traumatic ONFH. Lowest effective dose and shortest course: advice of this service, not graded by GL2025.';
    default:
      return isWheelchair(check)
        ? 'GL2025 3.7.1: self-management includes protective weight bearing and assistive devices (canes, crutches, walking frames); wheelchairs are not recommended.'
        : undefined;
  }
}

function orderCard(check: OrderCheck, a: Assessment, ctx: CardContext): CardDraft {
  const what = orderWords(check.order.display);
  const extra = extraLine(check);
  // With one affected hip there is no doubt which hip an order concerns.
  const hips = a.hips.length > 1 && check.sides.length > 0 ? `Concerns ${theHips(check.sides)}.` : undefined;
  const detail = [
    ...check.reasons.map((r) => `- ${r}`),
    ...(hips === undefined ? [] : ['', hips]),
    ...(extra === undefined ? [] : ['', extra]),
    '',
    `_Source: ${check.source}._`,
  ];
  return {
    summary: clip(summaryOf(check, what)),
    detail: (detail[0] === '' ? detail.slice(1) : detail).join('\n'),
    indicator: check.indicator,
    ...suggestionsOf(check, a, ctx),
    overrideReasons: overrideReasonsOf(check),
    links: guidelineLinks(ctx, `Guideline (${check.source})`),
  };
}
