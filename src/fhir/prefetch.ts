/**
 * Prefetch resolution (CDS Hooks 2.0 "Providing FHIR Resources to a CDS Service"): turns the
 * request's prefetch plus, for what is missing, the client's FHIR server into one patient record.
 *
 * - a key that is present is used (a Bundle is flattened; a `next` link in it is followed);
 * - a key sent as `null` means "no data" and is not fetched (spec: "If the CDS Client has no data
 *   to populate a template prefetch key, the prefetch template key MUST have a value of null");
 * - an OperationOutcome in a slot means the client failed to prefetch it: it counts as missing;
 * - every missing key is fetched from fhirServer with fhirAuthorization, all in parallel, within
 *   one time budget; what still cannot be had → 412 naming each key and why (spec: "the service
 *   SHALL respond with an HTTP 412 Precondition Failed status code").
 */
import type { FastifyBaseLogger } from 'fastify';
import { bundleResources, isBundle, nextPageUrl } from './bundle.js';
import { fetchQuery, fhirClient, type FetchResult, type FhirDispatcher, type FhirTarget } from './fhir-fetch.js';
import { isOperationOutcome, preconditionFailed, type OutcomeIssue } from './operation-outcome.js';
import { assemblePatientRecord, type PatientRecord } from './patient-record.js';
import { renderPrefetchTemplate, templateResourceType, withPageSize } from './prefetch-template.js';

/** `_count` of the searches the service runs itself (see withPageSize). */
export const SEARCH_PAGE_SIZE = 1000;

export interface PrefetchInput {
  /** The service's prefetch templates, by key (discovery). */
  readonly templates: Readonly<Record<string, string>>;
  readonly context: Readonly<Record<string, unknown>> & { readonly patientId: string };
  readonly prefetch: Readonly<Record<string, unknown>> | undefined;
  readonly fhirServer: string | undefined;
  readonly accessToken: string | undefined;
  /** Asked once, only when a FHIR call is needed: null = allowed, else why not (logged, not sent). */
  readonly fhirServerRefusal: (fhirServer: string) => string | null;
  readonly timeoutMs: number;
  readonly maxPages: number;
  /** The app's FHIR connections (FHIR_MAX_RESPONSE_BYTES, FHIR_MAX_CONNECTIONS): createFhirDispatcher. */
  readonly dispatcher: FhirDispatcher;
  readonly log: FastifyBaseLogger;
}

/** What one prefetch slot holds and what is still to be fetched for it. */
type Slot =
  | { readonly key: string; readonly state: 'done'; readonly resources: readonly fhir4.FhirResource[] }
  | { readonly key: string; readonly state: 'fetch'; readonly url: string; readonly why: string }
  | { readonly key: string; readonly state: 'continue'; readonly bundle: fhir4.Bundle; readonly resources: readonly fhir4.FhirResource[] }
  | { readonly key: string; readonly state: 'unfetchable'; readonly why: string };

/** Pure: what the prefetch already answers, slot by slot. */
export function classifyPrefetch(templates: Readonly<Record<string, string>>, context: PrefetchInput['context'], prefetch: PrefetchInput['prefetch']): Slot[] {
  return Object.entries(templates).map(([key, template]): Slot => {
    const present = prefetch !== undefined && Object.hasOwn(prefetch, key);
    const value = present ? prefetch[key] : undefined;
    if (present && value === null) return { key, state: 'done', resources: [] };
    if (isBundle(value)) {
      const resources = bundleResources(value);
      return nextPageUrl(value) === undefined ? { key, state: 'done', resources } : { key, state: 'continue', bundle: value, resources };
    }
    if (typeof value === 'object' && value !== null && !isOperationOutcome(value)) {
      return { key, state: 'done', resources: [value as fhir4.FhirResource] };
    }
    const url = renderPrefetchTemplate(template, context);
    if (url === null) return { key, state: 'unfetchable', why: 'its template needs a context field this call does not have' };
    return { key, state: 'fetch', url, why: isOperationOutcome(value) ? 'the client reported an error prefetching it' : 'not prefetched' };
  });
}

const issueFor = (key: string, text: string): OutcomeIssue => ({ code: 'incomplete', text: `prefetch key '${key}': ${text}`, expression: `prefetch.${key}` });

/** Resolves every template key to resources, or throws the 412 OperationOutcomeError. */
export async function resolvePatientRecord(input: PrefetchInput): Promise<PatientRecord> {
  const slots = classifyPrefetch(input.templates, input.context, input.prefetch);
  const toFetch = slots.filter((s) => s.state === 'fetch' || s.state === 'continue');
  const failures: OutcomeIssue[] = slots.flatMap((s) => (s.state === 'unfetchable' ? [issueFor(s.key, s.why)] : []));
  const lists: (readonly fhir4.FhirResource[])[] = slots.flatMap((s) => (s.state === 'done' ? [s.resources] : []));

  if (toFetch.length > 0) {
    const cannot = whyNoFhirCalls(input);
    if (cannot !== null) {
      failures.push(...toFetch.map((s) => issueFor(s.key, `${s.state === 'fetch' ? s.why : 'only its first page was prefetched'}, and ${cannot}`)));
    } else {
      const target: FhirTarget = { baseUrl: input.fhirServer ?? '', accessToken: input.accessToken ?? '' };
      const client = fhirClient(target);
      const limits = { signal: AbortSignal.timeout(input.timeoutMs), maxPages: input.maxPages, dispatcher: input.dispatcher };
      const results = await Promise.all(
        toFetch.map(async (slot): Promise<[string, FetchResult]> => {
          if (slot.state === 'fetch') {
            return [slot.key, await fetchQuery(client, target, withPageSize(slot.url, SEARCH_PAGE_SIZE), templateResourceType(slot.url), limits)];
          }
          // A prefetched first page with a `next` link: the rest comes from the server (spec 2.0: clients MAY paginate prefetch).
          const more = await fetchQuery(client, target, { bundle: slot.bundle }, templateResourceType(input.templates[slot.key] ?? ''), limits);
          return [slot.key, more];
        }),
      );
      for (const [key, result] of results) {
        if (result.ok) lists.push(result.resources);
        else failures.push(issueFor(key, `could not be fetched: ${result.reason}`));
      }
    }
  }
  if (failures.length > 0) {
    input.log.info({ event: 'cds.prefetch.missing', keys: failures.map((f) => f.expression) }, 'required FHIR data missing');
    throw preconditionFailed(failures);
  }
  return assemblePatientRecord(input.context.patientId, lists);
}

/** null when the FHIR server may be called; else the reason, worded for the CDS client. */
function whyNoFhirCalls(input: PrefetchInput): string | null {
  if (input.fhirServer === undefined) return 'the request has no fhirServer to fetch it from';
  if (input.accessToken === undefined) return 'the request has no fhirAuthorization to fetch it with';
  const refusal = input.fhirServerRefusal(input.fhirServer);
  if (refusal !== null) {
    input.log.warn({ event: 'cds.fhir.refused', reason: refusal }, 'FHIR server may not be called');
    return 'this service may not call that fhirServer';
  }
  return null;
}
