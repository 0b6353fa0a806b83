/**
 * Prefetch resolution (CDS Hooks 2.0 "Providing FHIR Resources to a CDS Service"): turns the
 * request's prefetch plus, for what is missing, the client's FHIR server into one patient record.
 *
 * - a key that is present is used (a Bundle is flattened; a `next` link in it is followed);
 * - a key sent as `null` means "no data" and is not fetched (spec: "If the CDS Client has no data
 *   to populate a template prefetch key, the prefetch template key MUST have a value of null");
 * - an OperationOutcome in a slot means the client failed to prefetch it: it counts as missing;
 * - every missing key is fetched from fhirServer with fhirAuthorization, all in parallel, within
 *   one time budget; a required key (design.md section 8: `patient`, `conditions`) that still
 *   cannot be had → 412 naming each key and why (spec: "the service SHALL respond with an HTTP 412
 *   Precondition Failed status code");
 * - an optional key that cannot be had (left out with no fhirServer, an OperationOutcome, a search
 *   the server refuses with 400/403/404/405/501 or an OperationOutcome) → the record goes on without
 *   it and lists it in `unavailable` (design.md section 5: data gap `source-unavailable`). A server
 *   that fails otherwise (5xx, timeout, malformed answer, broken paging) is still a 412: the record
 *   would be partial without the server saying so;
 * - then the report texts kept as a Binary on the same FHIR server are read (report-binaries.ts), in
 *   one more parallel round inside the same budget (they are known only once the reports are in);
 * - MAX_RESOURCES counts the prefetch and everything fetched, and FHIR_MAX_RESPONSE_BYTES caps the
 *   answers of one call together (what one call parses, fhir-fetch.ts): beyond either, a 412.
 */
import type { FastifyBaseLogger } from 'fastify';
import { bundleResources, isBundle, nextPageUrl } from './bundle.js';
import { callDispatcher, fetchBinary, fetchQuery, fhirClient, type FetchLimits, type FetchResult, type FhirDispatcher, type FhirTarget } from './fhir-fetch.js';
import { isOperationOutcome, preconditionFailed, type OutcomeIssue } from './operation-outcome.js';
import { assemblePatientRecord, type PatientRecord, type SourceUnavailable } from './patient-record.js';
import { renderPrefetchTemplate, templateResourceType, withPageSize } from './prefetch-template.js';
import { MAX_REPORT_BINARIES, reportBinaries, withBinaryText } from './report-binaries.js';

/** `_count` of the searches the service runs itself (see withPageSize). */
export const SEARCH_PAGE_SIZE = 1000;

export interface PrefetchInput {
  /** The service's prefetch templates, by key (discovery). */
  readonly templates: Readonly<Record<string, string>>;
  /** The keys without which there is no answer (412); every other key degrades. Default: every key. */
  readonly required?: readonly string[] | undefined;
  readonly context: Readonly<Record<string, unknown>> & { readonly patientId: string };
  readonly prefetch: Readonly<Record<string, unknown>> | undefined;
  readonly fhirServer: string | undefined;
  readonly accessToken: string | undefined;
  /** Asked once, only when a FHIR call is needed: null = allowed, else why not (logged, not sent). */
  readonly fhirServerRefusal: (fhirServer: string) => string | null;
  readonly timeoutMs: number;
  readonly maxPages: number;
  /** MAX_RESOURCES, over the prefetch, context.draftOrders and everything fetched. */
  readonly maxResources: number;
  /** How many resources the prefetch and context.draftOrders already hold (counted by the http layer). */
  readonly resourcesGiven: number;
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

/** Resolves every template key to resources (or to an `unavailable` entry), or throws the 412 OperationOutcomeError. */
export async function resolvePatientRecord(input: PrefetchInput): Promise<PatientRecord> {
  const slots = classifyPrefetch(input.templates, input.context, input.prefetch);
  const required = new Set(input.required ?? Object.keys(input.templates));
  const failures: OutcomeIssue[] = [];
  const unavailable: SourceUnavailable[] = [];
  /** A key that cannot be had: a 412 when it is required, a data gap when not. */
  const cannotHave = (key: string, text: string) => {
    if (required.has(key)) failures.push(issueFor(key, text));
    else unavailable.push({ key, resourceType: templateResourceType(input.templates[key] ?? ''), reason: text });
  };
  const lists: (readonly fhir4.FhirResource[])[] = slots.flatMap((s) => (s.state === 'done' ? [s.resources] : []));
  for (const s of slots) if (s.state === 'unfetchable') cannotHave(s.key, s.why);
  const toFetch = slots.filter((s) => s.state === 'fetch' || s.state === 'continue');

  let calls: FhirCalls | string | undefined;
  const fhirCalls = () => (calls ??= openFhirCalls(input));
  if (toFetch.length > 0) {
    const open = fhirCalls();
    if (typeof open === 'string') {
      for (const s of toFetch) cannotHave(s.key, `${s.state === 'fetch' ? s.why : 'only its first page was prefetched'}, and ${open}`);
    } else {
      const results = await Promise.all(
        toFetch.map(async (slot): Promise<[string, FetchResult]> => {
          if (slot.state === 'fetch') {
            return [slot.key, await fetchQuery(open.client, open.target, withPageSize(slot.url, SEARCH_PAGE_SIZE), templateResourceType(slot.url), open.limits)];
          }
          // A prefetched first page with a `next` link: the rest comes from the server (spec 2.0: clients MAY paginate prefetch).
          const more = await fetchQuery(open.client, open.target, { bundle: slot.bundle }, templateResourceType(input.templates[slot.key] ?? ''), open.limits);
          return [slot.key, more];
        }),
      );
      for (const [key, result] of results) {
        if (result.ok) lists.push(result.resources);
        else if (result.refused) cannotHave(key, `the FHIR server refused the search: ${result.reason}`);
        else failures.push(issueFor(key, `could not be fetched: ${result.reason}`));
      }
    }
  }
  if (failures.length > 0) {
    input.log.info({ event: 'cds.prefetch.missing', keys: failures.map((f) => f.expression) }, 'required FHIR data missing');
    throw preconditionFailed(failures);
  }
  // this patient's resources first: another patient's report is never a reason to call the server
  const own = assemblePatientRecord(input.context.patientId, lists);
  const resources = await withReportTexts(own.resources, input, fhirCalls, unavailable);
  if (unavailable.length > 0) {
    input.log.info({ event: 'cds.prefetch.unavailable', sources: unavailable.map((u) => `${u.key}:${u.resourceType}`) }, 'optional FHIR data unavailable');
  }
  return unavailable.length === 0 ? { patientId: own.patientId, resources } : { patientId: own.patientId, resources, unavailable };
}

interface FhirCalls {
  readonly target: FhirTarget;
  readonly client: ReturnType<typeof fhirClient>;
  readonly limits: FetchLimits;
}

/** The FHIR server of this call, its client and limits; or why it may not be called (worded for the CDS client). */
function openFhirCalls(input: PrefetchInput): FhirCalls | string {
  const cannot = whyNoFhirCalls(input);
  if (cannot !== null) return cannot;
  const target: FhirTarget = { baseUrl: input.fhirServer ?? '', accessToken: input.accessToken ?? '' };
  const limits: FetchLimits = {
    signal: AbortSignal.timeout(input.timeoutMs),
    maxPages: input.maxPages,
    dispatcher: callDispatcher(input.dispatcher, { left: input.dispatcher.maxResponseBytes }),
    allowance: { left: input.maxResources - input.resourcesGiven, max: input.maxResources },
  };
  return { target, client: fhirClient(target), limits };
}

/**
 * The resources with each report text kept as a Binary on the fhirServer read and inlined (at most
 * MAX_REPORT_BINARIES, in parallel, inside the call's budget). A Binary that cannot be read leaves
 * its report without that text and is listed as unavailable; the report still counts (a study).
 */
async function withReportTexts(resources: readonly fhir4.FhirResource[], input: PrefetchInput, fhirCalls: () => FhirCalls | string, unavailable: SourceUnavailable[]): Promise<readonly fhir4.FhirResource[]> {
  if (input.fhirServer === undefined) return resources;
  const wanted = reportBinaries(resources, input.fhirServer);
  if (wanted.length === 0) return resources;
  const open = fhirCalls();
  const gap = (reason: string) => unavailable.push({ key: 'report text', resourceType: 'Binary', reason });
  if (typeof open === 'string') {
    gap(`a report's text is kept as a Binary, and ${open}`);
    return resources;
  }
  const reading = wanted.slice(0, MAX_REPORT_BINARIES);
  if (wanted.length > reading.length) gap(`more than ${MAX_REPORT_BINARIES} report texts kept as Binaries; the first ${MAX_REPORT_BINARIES} are read`);
  const answers = await Promise.all(reading.map(async (w) => [w, await fetchBinary(open.client, w.url, open.limits)] as const));
  const binaries = new Map<string, fhir4.Binary>();
  const changed = new Set<number>();
  for (const [w, answer] of answers) {
    if (answer.ok) {
      binaries.set(w.url, answer.binary);
      changed.add(w.resource);
    } else {
      gap(`a report text could not be read: ${answer.reason}`);
    }
  }
  if (changed.size === 0) return resources;
  return resources.map((r, i) => (changed.has(i) ? withBinaryText(r, binaries, input.fhirServer ?? '') : r));
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
