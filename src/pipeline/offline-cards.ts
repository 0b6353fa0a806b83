/**
 * The cards of a hook, offline (design.md section 8: `onfh-cds cards`): a FHIR Bundle of one
 * patient, or a CDS Hooks request as an EHR sends it (prefetch filled in), through the same
 * pipeline a hook call takes (decide.ts decideCards). Pure: the caller reads the file.
 *
 * - A Bundle: its resources are the patient's record; for order-select / order-sign its draft
 *   requests (MedicationRequest, ServiceRequest, DeviceRequest with status "draft") are the draft
 *   orders, and order-select selects them all.
 * - A hook request: prefetch values are the record (nothing is fetched), context.draftOrders and
 *   context.selections as sent.
 */
import type { Card } from '../cds-hooks/card.js';
import { CdsRequestSchema, type HookName } from '../cds-hooks/request.js';
import { ONFH_SERVICES } from '../cds-hooks/services.js';
import { bundleResources, isBundle } from '../fhir/bundle.js';
import { assemblePatientRecord } from '../fhir/patient-record.js';
import type { LoadedRules } from '../rules/index.js';
import { assessBundle } from './assess-bundle.js';
import { decideCards, type CdsDecisionInput, type ClinicalOptions } from './decide.js';

export const HOOKS: readonly HookName[] = ['patient-view', 'order-select', 'order-sign'];

export type OfflineCards =
  | { readonly ok: true; readonly input: 'bundle' | 'hook-request'; readonly hook: HookName; readonly patientId: string; readonly cards: readonly Card[] }
  | { readonly ok: false; readonly error: string };

const DRAFT_TYPES = new Set(['MedicationRequest', 'ServiceRequest', 'DeviceRequest']);

function isHookRequest(json: unknown): json is { hook: unknown } {
  return typeof json === 'object' && json !== null && 'hook' in json && !isBundle(json);
}

/** The cards an EHR would get for `json` at `now` (YYYY-MM-DD), with `hook` (default: the request's, else patient-view). */
export function offlineCards(json: unknown, rules: LoadedRules, now: string, hook: HookName | undefined, options: ClinicalOptions = {}): OfflineCards {
  const at = new Date(`${now}T12:00:00Z`);
  if (isHookRequest(json)) {
    const parsed = CdsRequestSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { ok: false, error: `not a valid CDS Hooks request: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
    }
    const request = parsed.data;
    if (hook !== undefined && hook !== request.hook) {
      return { ok: false, error: `the file is a ${request.hook} request; --hook ${hook} does not apply to it (leave --hook out)` };
    }
    const prefetch = Object.values(request.prefetch ?? {}).flatMap((v) => (v === null ? [] : [isBundle(v) ? bundleResources(v) : [v as fhir4.FhirResource]]));
    const context = request.context as { patientId: string; draftOrders?: unknown; selections?: readonly string[] };
    const drafts = isBundle(context.draftOrders) ? bundleResources(context.draftOrders) : [];
    const input: CdsDecisionInput = {
      service: serviceFor(request.hook),
      hook: request.hook,
      context: request.context,
      record: assemblePatientRecord(context.patientId, prefetch),
      draftOrders: drafts,
      selections: context.selections ?? [],
      now: at,
    };
    return { ok: true, input: 'hook-request', hook: request.hook, patientId: context.patientId, cards: decideCards(rules, input, options).cards };
  }
  // A Bundle: the same checks as POST /assessment (one patient, resources with a type).
  const assessed = assessBundle(json, rules, now);
  if (!assessed.ok) return { ok: false, error: assessed.error };
  const patientId = assessed.assessment.patientId;
  const resources = bundleResources(json as fhir4.Bundle);
  const chosen = hook ?? 'patient-view';
  const drafts = chosen === 'patient-view' ? [] : resources.filter((r) => DRAFT_TYPES.has(r.resourceType) && (r as { status?: unknown }).status === 'draft');
  const input: CdsDecisionInput = {
    service: serviceFor(chosen),
    hook: chosen,
    context: { userId: 'Practitioner/offline', patientId },
    record: assemblePatientRecord(patientId, [resources.filter((r) => !drafts.includes(r))]),
    draftOrders: drafts,
    selections: chosen === 'order-select' ? drafts.map((d) => `${d.resourceType}/${d.id ?? ''}`) : [],
    now: at,
  };
  return { ok: true, input: 'bundle', hook: chosen, patientId, cards: decideCards(rules, input, options).cards };
}

function serviceFor(hook: HookName): CdsDecisionInput['service'] {
  const service = ONFH_SERVICES.find((s) => s.hook === hook);
  if (service === undefined) throw new Error(`no service for hook ${hook}`);
  return service;
}
