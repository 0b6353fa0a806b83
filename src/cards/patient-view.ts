/**
 * patient-view: the Assessment of one patient → at most four cards, most urgent first.
 *
 * A chart is opened between patients and the cards are read in seconds, so: one summary card
 * (stage, plan with GRADE grades, next imaging), and a card of its own only for what asks for an
 * action now (surgical evaluation, overdue imaging, corticosteroid exposure, data that blocks
 * staging). Nothing else speaks: silence where there is nothing to say.
 */
import type { Card } from '../cds-hooks/card.js';
import type { Assessment } from '../engine/types.js';
import { cardStamp, finishCard, type CardContext, type CardDraft } from './context.js';
import { referralServiceRequest } from './resources.js';
import { clip, grade, hipName, stageText, theHips } from './vocabulary.js';
import { dataGapCard, gapImagingNeeds, imagingOverdueCard, overrideReasons, type GapNeed } from './patient-view-imaging.js';
import { conservativeCareWhy, summaryCard } from './patient-view-summary.js';
import { suspectedOnfhCard } from './patient-view-reports.js';

const SURGICAL_OVERRIDE_REASONS = overrideReasons(
  ['already-referred', 'Already under orthopaedic care or referred'],
  ['patient-declined', 'Patient declines surgical evaluation'],
  ['surgery-not-appropriate', 'Surgery contraindicated or not appropriate now'],
);
const CORTICOSTEROID_OVERRIDE_REASONS = overrideReasons(
  ['corticosteroid-required', 'Corticosteroid required for another condition'],
  ['dose-reviewed', 'Dose and duration already reviewed'],
);

/** CDS Hooks clients show every card; more than four between two patients is not read. */
const MAX_CARDS = 4;

export function patientViewCards(assessment: Assessment, ctx: CardContext): Card[] {
  const rules = ctx.ruleSets.length > 0 ? ctx.ruleSets : assessment.rules;
  const stamp = cardStamp(rules, ctx);
  // clinical-spec.md 13: ONFH on imaging, not on the problem list: an info card, even out of scope
  // (but never for a child: clinical-spec.md 14, no card at any hook under 18).
  const suspected = assessment.outOfScopeReason === 'under-18' ? undefined : suspectedOnfhCard(assessment, ctx);
  // clinical-spec.md 1 and 14: out of scope (no ONFH, under 18) → no card at all (but that one).
  if (!assessment.inScope) return suspected ? [finishCard(suspected, stamp, ctx)] : [];
  const a = imagedByReport(assessment);
  const gapNeeds = gapImagingNeeds(a);
  // clinical-spec.md 14: every ONFH hip replaced → no stage, modality, imaging or surgery card;
  // the other, natural hip's MRI still speaks (the data-gap card).
  const drafts = a.hips.length === 0
    ? [suspected, dataGapCard(a, ctx, gapNeeds, [])]
    : hipCards(a, ctx, gapNeeds, suspected);
  return readable(drafts.filter((d): d is CardDraft => d !== undefined)).map((d) => finishCard(d, stamp, ctx));
}

/**
 * A hip a radiology report describes with ONFH (clinical-spec.md 13) has been imaged: "never imaged
 * by MRI, order one" beside "the MRI of <date> describes osteonecrosis of that head" contradicts it
 * (clinical review of issue 19). The report's card speaks for that hip; its contralateral gap goes.
 */
function imagedByReport(a: Assessment): Assessment {
  const described = new Set(a.suspectedOnfh.map((s) => s.side));
  if (described.size === 0) return a;
  return { ...a, dataGaps: a.dataGaps.filter((g) => !(g.code === 'contralateral-hip-not-imaged' && g.side !== undefined && described.has(g.side as 'left' | 'right'))) };
}

function hipCards(assessment: Assessment, ctx: CardContext, gapNeeds: readonly GapNeed[], suspected: CardDraft | undefined): (CardDraft | undefined)[] {
  const imaging = imagingOverdueCard(assessment, ctx, gapNeeds);
  const urgent = [surgicalEvaluationCard(assessment, ctx), imaging?.draft, corticosteroidCard(assessment)];
  // Cards before the summary's followers: the urgent ones and the summary itself. Whatever does not
  // fit in four gives way, and the summary then says it: the suspected-ONFH line, the data gaps.
  const ahead = urgent.filter((d) => d !== undefined).length + 1;
  const suspectedCardShown = ahead < MAX_CARDS;
  const gapCardShown = ahead + (suspected === undefined ? 0 : 1) < MAX_CARDS;
  // ONFH of a hip not on the problem list (a new diagnosis to confirm) outranks the data-gap card
  return [...urgent, summaryCard(assessment, ctx, gapCardShown, suspectedCardShown), suspected, dataGapCard(assessment, ctx, gapNeeds, imaging?.orders ?? [])];
}

/**
 * clinical-spec.md 14: at most four cards, no two with the same summary (the first, most urgent,
 * kept). Only when all five apply is one left out: the data-gap card, last in the list.
 */
export function readable<T extends { readonly summary: string }>(drafts: readonly T[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const d of drafts) {
    if (seen.has(d.summary) || out.length === MAX_CARDS) continue;
    seen.add(d.summary);
    out.push(d);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Card: surgical evaluation indicated (warning) — clinical-spec.md 7.1

function surgicalEvaluationCard(a: Assessment, ctx: CardContext): CardDraft | undefined {
  const hips = a.hips.filter((h) => h.surgicalEvaluation.indicated);
  const first = hips[0];
  if (first === undefined) return undefined;
  // The engine's reasons are sentences: they go in the detail; the summary stays one glance long.
  // clinical-spec.md 14: the action first
  const summary = hips.length > 1
    ? `Refer to orthopaedic surgery: surgical evaluation indicated for ${theHips(hips.map((h) => h.side))}`
    : `Refer to orthopaedic surgery: surgical evaluation indicated for ${theHips([first.side])} (${stageText(first.stage)})`;
  const lines = hips.flatMap((hip) => [
    `**${hipName(hip.side)}** (${stageText(hip.stage)})`,
    ...hip.surgicalEvaluation.reasons.map((r) => `- ${r}`),
    '',
  ]);
  // Clinical review C1: when 7.2 also says conservative care (a contraindication to surgery, both
  // hips, age), say so here, so this card and the summary card do not read as contradicting.
  const alsoConservative = a.conservativeCare.indicated
    ? [`**Conservative care also applies**${conservativeCareWhy(a)} (TCM). Weigh both with the surgeon.`, '']
    : [];
  return {
    summary: clip(summary),
    detail: [
      ...lines,
      ...alsoConservative,
      'Refer to an orthopaedic surgeon for surgical evaluation.',
      '',
      '_Sources: TCM (signs of progression needing surgical intervention); GL2025 Table 4 and SMALL (ARCO 3B–4 with pain or loss of function: joint replacement to discuss); FAQ (progression on serial imaging)._',
    ].join('\n'),
    indicator: 'warning',
    suggestions: [{
      label: 'Refer to orthopaedic surgery',
      actions: [{
        type: 'create',
        description: `Create a draft referral to orthopaedic surgery: surgical evaluation of ${theHips(hips.map((h) => h.side))}`,
        resource: referralServiceRequest(hips, ctx.patientId),
      }],
    }],
    selectionBehavior: 'at-most-one',
    overrideReasons: SURGICAL_OVERRIDE_REASONS,
    ruleSet: 'surgical-evaluation',
  };
}

// ---------------------------------------------------------------------------------------------
// Card: active systemic corticosteroid (warning) — clinical-spec.md section 10

function corticosteroidCard(a: Assessment): CardDraft | undefined {
  // The risk factor's `evidence` is the rule's own sentence, not the order: it is not repeated here.
  if (!a.riskFactors.some((r) => r.id === 'corticosteroid-exposure')) return undefined;
  const simvastatin = a.hips.flatMap((h) => h.recommendations).find((r) => r.modality === 'simvastatin' && (r.status === 'consider' || r.status === 'recommended'));
  return {
    summary: 'Review the systemic corticosteroid with its prescriber: a common cause of non-traumatic ONFH',
    detail: [
      'An active systemic corticosteroid order or statement is on record.',
      '',
      'GL2025 3.3.2 names long-term corticosteroid use among the common precipitating factors of non-traumatic ONFH.',
      '',
      'Suggested by this service, not graded by GL2025: review whether the corticosteroid is still needed and, if it is, use the lowest effective dose for the shortest time.',
      ...(simvastatin === undefined
        ? []
        : ['', `Simvastatin ${grade(simvastatin)} ${simvastatin.status === 'consider' ? 'may be considered' : 'is recommended'}: GL2025 3.7.2 gives it to reduce the risk of corticosteroid- or alcohol-induced osteonecrosis (Table 6).`]),
    ].join('\n'),
    indicator: 'warning',
    overrideReasons: CORTICOSTEROID_OVERRIDE_REASONS,
    ruleSet: 'risk-factors',
  };
}

