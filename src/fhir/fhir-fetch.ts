/**
 * Fetching one prefetch query from the CDS client's FHIR server (CDS Hooks 2.0 "FHIR Resource
 * Access"): the only module that talks to a FHIR server.
 *
 * Built on fhir-kit-client (the project's FHIR client). It passes `signal` and any other fetch
 * option through to node's fetch, so the one time budget of a hook call is an AbortSignal shared
 * by every request, and `redirect: 'manual'` keeps a 3xx from carrying the bearer token to
 * another host: a redirect is an error here, never followed. Its `nextPage()` follows any URL, so
 * paging is done here instead: each `next` link must stay on the fhirServer's origin (the token
 * must never go elsewhere), and a link back to a page already read (a loop of next links) fails
 * the query: the server says there is more but will not give it, so the record would be partial.
 *
 * Connections: fhir-kit-client 2.x sends every request with node's global fetch (undici). It
 * also builds an `agentkeepalive` agent per Client and passes it as the `agent` fetch option,
 * which node's fetch ignores (undici takes a `dispatcher`, not an `agent`). The `dispatcher`
 * passed here is the app's one undici Agent for FHIR calls (createFhirDispatcher): it caps the
 * size of an answer (FHIR_MAX_RESPONSE_BYTES), keeps connections to each origin alive across hook
 * calls, and opens at most FHIR_MAX_CONNECTIONS to one origin; further requests wait in its queue,
 * inside the hook call's time budget. Without that cap a burst of hook calls against a slow or
 * hanging FHIR server would open six sockets per call (one per prefetch key) until the budget ran
 * out: a flood for the EHR's server and a file-descriptor drain here.
 */
import { Client } from 'fhir-kit-client';
import { Agent } from 'undici';
import { recordFhirFetch } from '../metrics/index.js';
import { bundleResources, isBundle, nextPageUrl } from './bundle.js';
import { isOperationOutcome } from './operation-outcome.js';
import { readTarget } from './prefetch-template.js';

export interface FhirTarget {
  /** The request's fhirServer, without a trailing slash. */
  readonly baseUrl: string;
  /** fhirAuthorization.access_token: sent as `Authorization: Bearer …` to baseUrl only. */
  readonly accessToken: string;
}

export type FetchResult =
  | { readonly ok: true; readonly resources: readonly fhir4.FhirResource[] }
  | { readonly ok: false; readonly reason: string };

export interface FetchLimits {
  /** The hook call's time budget (FHIR_TIMEOUT_MS), shared by every query and page. */
  readonly signal: AbortSignal;
  /** FHIR_MAX_PAGES: most Bundle pages read per query. */
  readonly maxPages: number;
  /** The app's FHIR connections (createFhirDispatcher): answer-size cap and connections per origin. */
  readonly dispatcher: FhirDispatcher;
}

/** What the app's FHIR calls go through; `close()` it when the app closes. */
export type FhirDispatcher = Agent;

export interface FhirConnectionLimits {
  /** FHIR_MAX_RESPONSE_BYTES: the largest answer read per request (the fetch fails beyond it). */
  readonly maxResponseBytes: number;
  /** FHIR_MAX_CONNECTIONS: most connections open to one FHIR server origin at once. */
  readonly connectionsPerOrigin: number;
}

/**
 * The fetch dispatcher for the FHIR calls of one app: undici's Agent (the same undici as node's
 * fetch) with a cap on the size of an answer, so a runaway FHIR server cannot fill the memory, and
 * on the connections to each origin (see the module comment); fhir-kit-client passes it to fetch
 * as the `dispatcher` option.
 */
export function createFhirDispatcher(limits: FhirConnectionLimits): FhirDispatcher {
  return new Agent({ maxResponseSize: limits.maxResponseBytes, connections: limits.connectionsPerOrigin });
}

export function fhirClient(target: FhirTarget): Client {
  return new Client({ baseUrl: target.baseUrl, bearerToken: target.accessToken });
}

interface HttpishError {
  readonly name?: string;
  readonly response?: { readonly status?: number; readonly data?: unknown };
}

/** Why a request failed, in words safe to return to the CDS client (no URL, no token, no body). */
function failureReason(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'the FHIR time budget was spent';
  if ((error as { cause?: { code?: unknown } } | null)?.cause?.code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
    return 'the FHIR server answered more than FHIR_MAX_RESPONSE_BYTES';
  }
  const e = error as HttpishError;
  const status = e.response?.status;
  if (typeof status === 'number') {
    if (status >= 200 && status < 300) return 'the FHIR server answered with malformed JSON';
    if (status >= 300 && status < 400) return `the FHIR server answered with a redirect (HTTP ${status}), which is not followed`;
    return `the FHIR server answered HTTP ${status}`;
  }
  return 'the FHIR server could not be reached';
}

async function getJson(client: Client, url: string, limits: FetchLimits): Promise<unknown> {
  // redirect: 'manual' → a 3xx is an error (see the module comment); fetch never re-sends the token.
  // The undici package is pinned to the version node bundles (package.json: exactly 6.24.1 for node
  // 20.20.2), so its Agent is the dispatcher node's fetch expects; the types come from two copies.
  const dispatcher = limits.dispatcher as unknown as RequestInit['dispatcher'];
  return client.request(url, { options: { signal: limits.signal, redirect: 'manual', dispatcher } });
}

/**
 * Reads every page of one query. A read (`Patient/1`) must answer that resource, with that id; a search must
 * answer `searchset` Bundles. Fails on a link off the fhirServer's origin, on a link back to a page already
 * read, and when more than `maxPages` pages would be needed (a partial record could hide a contraindication).
 */
export async function fetchPages(client: Client, target: FhirTarget, start: string | { readonly bundle: fhir4.Bundle }, limits: FetchLimits): Promise<FetchResult> {
  const origin = new URL(target.baseUrl).origin;
  const resources: fhir4.FhirResource[] = [];
  const visited = new Set<string>();
  let page: unknown;
  if (typeof start === 'string') {
    visited.add(new URL(start, `${target.baseUrl}/`).href);
    page = await getJson(client, start, limits);
    const read = readTarget(start);
    if (read !== undefined) {
      const answered = page as { resourceType?: unknown; id?: unknown } | null;
      if (isOperationOutcome(page) || answered?.resourceType !== read.resourceType) {
        return { ok: false, reason: `the FHIR server did not answer a ${read.resourceType} resource` };
      }
      // a read of Patient/1 answered by Patient/2 is a broken server, not this patient's record
      if (answered.id !== undefined && answered.id !== read.id) {
        return { ok: false, reason: `the FHIR server answered another ${read.resourceType} than the one read` };
      }
      return { ok: true, resources: [page as fhir4.FhirResource] };
    }
  } else {
    page = start.bundle;
  }
  for (let pages = 1; ; pages++) {
    if (!isBundle(page) || (typeof start === 'string' && page.type !== 'searchset')) {
      return { ok: false, reason: 'the FHIR server did not answer a searchset Bundle' };
    }
    const pageResources = bundleResources(page);
    const next = nextPageUrl(page);
    // One page (the usual case: the service asks for SEARCH_PAGE_SIZE per page): its own array, no copy.
    if (next === undefined && resources.length === 0) return { ok: true, resources: pageResources };
    // A loop, not push(...pageResources): spreading a page of ~150,000 entries as arguments throws a RangeError (node 20).
    for (const resource of pageResources) resources.push(resource);
    if (next === undefined) return { ok: true, resources };
    let nextUrl: URL;
    try {
      nextUrl = new URL(next, `${target.baseUrl}/`);
    } catch {
      return { ok: false, reason: 'a next link of the FHIR server is not a URL' };
    }
    if (nextUrl.origin !== origin) {
      return { ok: false, reason: 'a next link leaves the fhirServer origin; it is not followed' };
    }
    if (visited.has(nextUrl.href)) return { ok: false, reason: 'the next links of the FHIR server loop back to a page already read' };
    visited.add(nextUrl.href);
    if (pages >= limits.maxPages) {
      return { ok: false, reason: `more than ${limits.maxPages} pages (FHIR_MAX_PAGES) of results` };
    }
    page = await getJson(client, nextUrl.href, limits);
  }
}

/** One query, timed and counted for the metrics; never throws. */
export async function fetchQuery(client: Client, target: FhirTarget, start: string | { readonly bundle: fhir4.Bundle }, resourceType: string, limits: FetchLimits): Promise<FetchResult> {
  const began = performance.now();
  let result: FetchResult;
  try {
    result = await fetchPages(client, target, start, limits);
  } catch (error) {
    result = { ok: false, reason: failureReason(error, limits.signal) };
  }
  const outcome = result.ok ? 'ok' : limits.signal.aborted ? 'timeout' : 'error';
  recordFhirFetch(resourceType, performance.now() - began, outcome);
  return result;
}
