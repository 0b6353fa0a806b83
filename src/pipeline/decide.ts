/**
 * The clinical path of a hook call, end to end and pure: patient record → facts → Assessment
 * → cards (patient-view), or → order checks → cards (order-select, order-sign).
 * design.md section 3: http → pipeline → fhir/facts → engine (with rules) → cards → http.
 * No logger: what is worth a log line comes back as notes, which the http layer logs.
 */
import { readReports, type ReportReading } from '../reports/index.js';
import type { Card } from '../cds-hooks/card.js';
import type { HookContext, HookName } from '../cds-hooks/request.js';
import type { ServiceDefinition } from '../cds-hooks/services.js';
import { orderCards, patientViewCards, type CardContext } from '../cards/index.js';
import { checkOrders, evaluate } from '../engine/index.js';
import { classifyDraftOrders, extractFacts } from '../facts/index.js';
import type { PatientRecord } from '../fhir/patient-record.js';
import { GUIDELINE, ruleSetUrl } from '../rules/guideline.js';
import type { LoadedRules } from '../rules/index.js';

/** What the decision (engine + cards) gets for one hook call. */
export interface CdsDecisionInput {
  readonly service: ServiceDefinition;
  readonly hook: HookName;
  readonly context: HookContext;
  /** The patient's resources: prefetch plus fetched, de-duplicated, other patients' left out. */
  readonly record: PatientRecord;
  /** order-select / order-sign: the resources of context.draftOrders; [] for patient-view. */
  readonly draftOrders: readonly fhir4.FhirResource[];
  /** order-select: context.selections ("MedicationRequest/103"); [] otherwise. */
  readonly selections: readonly string[];
  readonly now: Date;
}

/** One log line's worth: `message` is the line's text, the other fields its object (ids and counts only). */
export interface DecisionNote {
  readonly event: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

/** The stage of one hip behind a call's cards, e.g. { side: 'right', stage: 'ARCO 2 / IIb' }. */
export interface HipStageNote {
  readonly side: string;
  readonly stage: string;
}

export interface CdsDecision {
  readonly cards: readonly Card[];
  /** For the log, never for the chart: no patient data, no order text. */
  readonly notes: readonly DecisionNote[];
  /** Each hip's stage: the store shows an overridden card again when its hip's stage changed (src/store/suppression.ts). */
  readonly hips?: readonly HipStageNote[];
}

/** Turns one hook call into cards (and notes). Pure; an exception becomes a 500. */
export type CdsDecider = (input: CdsDecisionInput) => CdsDecision;

/** How a deployment links its cards (design.md 8): source.url is `<publicBaseUrl>/rules/<id>`. */
export interface ClinicalOptions {
  readonly publicBaseUrl?: string;
}

/** YYYY-MM-DD of an instant, in UTC: the date the engine evaluates at. */
export function evaluationDate(now: Date): string {
  return now.toISOString().slice(0, 10);
}

function draftsToCheck(input: CdsDecisionInput): readonly fhir4.FhirResource[] {
  // CDS Hooks order-select: only the orders the clinician just selected are checked;
  // order-sign: every draft order about to be signed.
  if (input.hook !== 'order-select') return input.draftOrders;
  const selected = new Set(input.selections);
  return input.draftOrders.filter((r) => selected.has(`${r.resourceType}/${r.id ?? ''}`));
}

const NO_NOTES: readonly DecisionNote[] = [];

/**
 * The reports stage (design.md 3: fhir → reports → facts): the record's radiology report text →
 * statements. What could not be read is one note (report references and reasons, no text).
 */
export function readRecordReports(resources: readonly unknown[], rules: LoadedRules): { statements: ReportReading['statements']; notes: readonly DecisionNote[] } {
  const reading = readReports(resources, rules.reportLexicons);
  const notes = reading.notes.length > 0
    ? [{ event: 'reports-not-read', message: 'radiology report text not read in full', count: reading.notes.length, notes: reading.notes.map((n) => `${n.report}: ${n.code}`) }]
    : NO_NOTES;
  return { statements: reading.statements, notes };
}

export function decideCards(rules: LoadedRules, input: CdsDecisionInput, options: ClinicalOptions = {}): CdsDecision {
  const now = evaluationDate(input.now);
  const reports = readRecordReports(input.record.resources, rules);
  const facts = extractFacts({ patientId: input.record.patientId, resources: input.record.resources, unavailable: input.record.unavailable, statements: reports.statements }, rules.valueSets, now);
  // clinical-spec.md 1: silence for the out-of-scope patient, but for ONFH on imaging not on the list (13) at patient-view
  const suspected = input.hook === 'patient-view' && (facts.suspectedOnfh ?? []).length > 0;
  if (!facts.inScope && !suspected) return { cards: [], notes: reports.notes };
  const evaluation = evaluate(facts, rules, now);
  const { assessment } = evaluation;
  const ctx: CardContext = {
    patientId: facts.patientId,
    ruleSets: assessment.rules,
    guideline: { label: GUIDELINE.label },
    ...(options.publicBaseUrl !== undefined && { ruleSetUrl: (id: string) => ruleSetUrl(options.publicBaseUrl ?? '', id) }),
    imagingOrders: rules.valueSets.imagingOrders,
  };
  const hips = assessment.hips.map((h): HipStageNote => ({ side: h.side, stage: `ARCO ${h.stage.arco ?? '-'} / ${h.stage.chinese ?? '-'}` }));
  if (input.hook === 'patient-view') return { cards: patientViewCards(assessment, ctx), notes: reports.notes, hips };

  const { orders, notes } = classifyDraftOrders(draftsToCheck(input), rules.valueSets, input.record.resources);
  // clinical-spec.md 11: an order that cannot be understood gets no card and a log line.
  // Notes name resource types and ids only, never order text (no patient data in logs).
  const decisionNotes: readonly DecisionNote[] =
    notes.length > 0 ? [...reports.notes, { event: 'orders-not-understood', message: 'draft orders not understood', count: notes.length, notes }] : reports.notes;
  const checks = checkOrders(evaluation, orders, rules);
  return { cards: orderCards(checks, assessment, ctx), notes: decisionNotes, hips };
}
