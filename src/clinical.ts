/**
 * The clinical path of a hook call, end to end and pure: patient record → facts → Assessment
 * → cards (patient-view), or → order checks → cards (order-select, order-sign).
 * design.md section 3: http → fhir → facts → engine (with rules) → cards → http.
 */
import type { Card } from './cds-hooks/card.js';
import { orderCards, patientViewCards, type CardContext } from './cards/index.js';
import { assess, checkOrders } from './engine/index.js';
import { classifyDraftOrders, extractFacts } from './facts/index.js';
import type { CdsDecider, CdsDecisionInput } from './http/cds-services.js';
import { GUIDELINE, ruleSetUrl } from './rules/guideline.js';
import type { LoadedRules } from './rules/index.js';

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

export function decideCards(rules: LoadedRules, input: CdsDecisionInput, options: ClinicalOptions = {}): readonly Card[] {
  const now = evaluationDate(input.now);
  const facts = extractFacts({ patientId: input.record.patientId, resources: input.record.resources }, rules.valueSets, now);
  if (!facts.inScope) return []; // clinical-spec.md 1: silence for the out-of-scope patient
  const assessment = assess(facts, rules, now);
  const ctx: CardContext = {
    patientId: facts.patientId,
    ruleSets: assessment.rules,
    guideline: { label: GUIDELINE.label },
    ...(options.publicBaseUrl !== undefined && { ruleSetUrl: (id: string) => ruleSetUrl(options.publicBaseUrl ?? '', id) }),
    imagingOrders: rules.valueSets.imagingOrders,
  };
  if (input.hook === 'patient-view') return patientViewCards(assessment, ctx);

  const { orders, notes } = classifyDraftOrders(draftsToCheck(input), rules.valueSets, input.record.resources);
  // clinical-spec.md 11: an order that cannot be understood gets no card and a log line.
  // Notes name resource types and ids only, never order text (no patient data in logs).
  if (notes.length > 0) input.log.info({ event: 'orders-not-understood', count: notes.length, notes }, 'draft orders not understood');
  const checks = checkOrders(facts, assessment, orders, rules);
  return orderCards(checks, assessment, ctx);
}

/** The CdsDecider for buildApp(): the bundled or site rules, loaded once at start. */
export function clinicalDecider(rules: LoadedRules, options: ClinicalOptions = {}): CdsDecider {
  return (input) => decideCards(rules, input, options);
}
