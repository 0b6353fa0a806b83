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
 * size of an answer (FHIR_MAX_RESPONSE_BYTES) and refuses a compressed one, keeps connections to each origin alive across hook
 * calls, and opens at most FHIR_MAX_CONNECTIONS to one origin; further requests wait in its queue,
 * inside the hook call's time budget. Without that cap a burst of hook calls against a slow or
 * hanging FHIR server would open six sockets per call (one per prefetch key) until the budget ran
 * out: a flood for the EHR's server and a file-descriptor drain here.
 *
 * Compression: node's fetch asks for `gzip, deflate` unless told otherwise and inflates what comes
 * back after the dispatcher has counted the bytes, so a 61 KB gzip answer could become 60 MB in
 * memory past FHIR_MAX_RESPONSE_BYTES. Every request here asks `accept-encoding: identity`, and
 * an answer that is encoded all the same is refused before its body is read (refuseEncodedAnswers):
 * the bytes counted are the bytes parsed.
 *
 * Paging: each `next` link must stay under the fhirServer's base URL (isWithinFhirServer: same
 * origin and at or below the base path; the token is scoped to that FHIR server, not to the host).
 */
import { Client } from 'fhir-kit-client';
import { Agent, DecoratorHandler, type Dispatcher } from 'undici';
import { isWithinFhirServer } from './base-url.js';
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
  /** `refused`: the server declined the search (HTTP 400/403/404/405/501, or an OperationOutcome instead of a Bundle). */
  | { readonly ok: false; readonly reason: string; readonly refused: boolean };

/** What every query of one hook call may still read, shared and counted down (MAX_RESOURCES). */
export interface ResourceAllowance {
  left: number;
  /** MAX_RESOURCES, for the failure text. */
  readonly max: number;
}

export interface FetchLimits {
  /** The hook call's time budget (FHIR_TIMEOUT_MS), shared by every query and page. */
  readonly signal: AbortSignal;
  /** FHIR_MAX_PAGES: most Bundle pages read per query. */
  readonly maxPages: number;
  /** This call's dispatcher (callDispatcher): the app's connections and this call's byte allowance. */
  readonly dispatcher: Dispatcher;
  /** MAX_RESOURCES over prefetch and everything fetched in this call. */
  readonly allowance: ResourceAllowance;
}

/** What the app's FHIR calls go through (createFhirDispatcher); `close()` it when the app closes. */
export interface FhirDispatcher {
  /** The app's connections: answer-size cap, connections per origin, compressed answers refused. */
  readonly shared: Dispatcher;
  /** FHIR_MAX_RESPONSE_BYTES: also the most bytes all the answers of one hook call may hold together. */
  readonly maxResponseBytes: number;
  close(): Promise<void>;
}

/** The bytes the answers of one hook call may still hold (counted as received: compressed answers are refused). */
export interface ByteAllowance {
  left: number;
}

/** The cause a fetch fails with when an answer is compressed although `identity` was asked for. */
const ENCODED_ANSWER = 'ONFH_FHIR_ENCODED_ANSWER';
/** The cause a fetch fails with once the answers of one call exceed FHIR_MAX_RESPONSE_BYTES together. */
const CALL_BYTES = 'ONFH_FHIR_CALL_BYTES';

class EncodedAnswerError extends Error {
  readonly code = ENCODED_ANSWER;
}

class CallBytesError extends Error {
  readonly code = CALL_BYTES;
}

/**
 * Counts the body bytes of every answer of one hook call against one allowance. Why: JSON.parse
 * blocks the event loop (about 25 ms per MB on the 2-core machine, docs/performance.md), and one
 * call may run 15 searches; capping their sum at FHIR_MAX_RESPONSE_BYTES bounds what one call
 * parses to what a single answer could already be, instead of 15 times that.
 */
class CountBytesHandler extends DecoratorHandler {
  readonly #inner: Dispatcher.DispatchHandlers;
  readonly #allowance: ByteAllowance;
  constructor(handler: Dispatcher.DispatchHandlers, allowance: ByteAllowance) {
    super(handler);
    this.#inner = handler;
    this.#allowance = allowance;
  }

  #abort: ((reason?: Error) => void) | undefined;

  onConnect(abort: (reason?: Error) => void): void {
    this.#abort = abort;
    this.#inner.onConnect?.(abort);
  }

  #over = false;
  #completed = false;

  onData(chunk: Buffer): boolean {
    if (!this.#over) {
      this.#allowance.left -= chunk.length;
      if (this.#allowance.left >= 0) return this.#inner.onData?.(chunk) ?? true;
      this.#over = true;
      // Paused, then failed on the next turn: aborted (or thrown) inside onData, node 20's fetch has its
      // body stream destroyed before it is read and text() never settles (checked: it hangs). A body
      // that ended meanwhile (its end is held back below) fails the same way, through onError.
      setImmediate(() => {
        const error = new CallBytesError('the answers of this call exceed FHIR_MAX_RESPONSE_BYTES');
        if (this.#completed) this.#inner.onError?.(error);
        else this.#abort?.(error);
      });
    }
    return false;
  }

  onComplete(trailers: string[] | null): void {
    if (this.#over) this.#completed = true;
    else this.#inner.onComplete?.(trailers);
  }
}

/** The dispatcher of one hook call: the app's connections, with this call's byte allowance counted. */
export function callDispatcher(fhir: FhirDispatcher, allowance: ByteAllowance): Dispatcher {
  return fhir.shared.compose((dispatch) => (options, handler) => dispatch(options, new CountBytesHandler(handler, allowance)));
}

/** Refuses an answer with a Content-Encoding other than identity, before any of its body is read. */
class RefuseEncodedHandler extends DecoratorHandler {
  readonly #inner: Dispatcher.DispatchHandlers;
  constructor(handler: Dispatcher.DispatchHandlers) {
    super(handler);
    this.#inner = handler;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      if (rawHeaders[i]?.toString('latin1').toLowerCase() !== 'content-encoding') continue;
      const encoding = rawHeaders[i + 1]?.toString('latin1').trim().toLowerCase() ?? '';
      // thrown here, undici aborts the request and the fetch fails with this as its cause (as its own DumpHandler does)
      if (encoding !== '' && encoding !== 'identity') throw new EncodedAnswerError('the FHIR server answered compressed content');
    }
    return this.#inner.onHeaders?.(statusCode, rawHeaders, resume, statusText) ?? true;
  }
}

const refuseEncodedAnswers: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (options, handler) => dispatch(options, new RefuseEncodedHandler(handler));

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
  const agent = new Agent({ maxResponseSize: limits.maxResponseBytes, connections: limits.connectionsPerOrigin });
  return { shared: agent.compose(refuseEncodedAnswers), maxResponseBytes: limits.maxResponseBytes, close: () => agent.close() };
}

export function fhirClient(target: FhirTarget): Client {
  // identity: see the module comment (a compressed answer would be inflated past the size cap)
  return new Client({ baseUrl: target.baseUrl, bearerToken: target.accessToken, customHeaders: { 'accept-encoding': 'identity' } });
}

/** HTTP statuses by which a FHIR server declines a search it does not offer or allow (not a fault of the server). */
const REFUSALS = new Set([400, 403, 404, 405, 501]);

interface HttpishError {
  readonly name?: string;
  readonly response?: { readonly status?: number; readonly data?: unknown };
}

/** Why a request failed, in words safe to return to the CDS client (no URL, no token, no body). */
function failure(error: unknown, signal: AbortSignal): FetchResult & { ok: false } {
  const fail = (reason: string, refused = false) => ({ ok: false as const, reason, refused });
  if (signal.aborted) return fail('the FHIR time budget was spent');
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (cause === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return fail('the FHIR server answered more than FHIR_MAX_RESPONSE_BYTES');
  if (cause === ENCODED_ANSWER) return fail('the FHIR server answered compressed content although identity was asked for; it is not read');
  if (cause === CALL_BYTES) return fail('the FHIR answers of this call hold more than FHIR_MAX_RESPONSE_BYTES together');
  const e = error as HttpishError;
  const status = e.response?.status;
  if (typeof status === 'number') {
    if (status >= 200 && status < 300) return fail('the FHIR server answered with malformed JSON');
    if (status >= 300 && status < 400) return fail(`the FHIR server answered with a redirect (HTTP ${status}), which is not followed`);
    return fail(`the FHIR server answered HTTP ${status}`, REFUSALS.has(status));
  }
  return fail('the FHIR server could not be reached');
}

/** Counts a page against the call's MAX_RESOURCES; false once the record would hold more. */
function take(allowance: ResourceAllowance, count: number): boolean {
  allowance.left -= count;
  return allowance.left >= 0;
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
  const resources: fhir4.FhirResource[] = [];
  const tooMany: FetchResult = { ok: false, reason: `more than ${limits.allowance.max} resources (MAX_RESOURCES) in this call`, refused: false };
  const visited = new Set<string>();
  let page: unknown;
  if (typeof start === 'string') {
    visited.add(new URL(start, `${target.baseUrl}/`).href);
    page = await getJson(client, start, limits);
    const read = readTarget(start);
    if (read !== undefined) {
      const answered = page as { resourceType?: unknown; id?: unknown } | null;
      if (isOperationOutcome(page) || answered?.resourceType !== read.resourceType) {
        return { ok: false, reason: `the FHIR server did not answer a ${read.resourceType} resource`, refused: isOperationOutcome(page) };
      }
      // a read of Patient/1 answered by Patient/2 is a broken server, not this patient's record
      if (answered.id !== undefined && answered.id !== read.id) {
        return { ok: false, reason: `the FHIR server answered another ${read.resourceType} than the one read`, refused: false };
      }
      if (!take(limits.allowance, 1)) return tooMany;
      return { ok: true, resources: [page as fhir4.FhirResource] };
    }
  } else {
    page = start.bundle;
  }
  for (let pages = 1; ; pages++) {
    if (isOperationOutcome(page)) return { ok: false, reason: 'the FHIR server answered an OperationOutcome instead of results', refused: true };
    if (!isBundle(page) || (typeof start === 'string' && page.type !== 'searchset')) {
      return { ok: false, reason: 'the FHIR server did not answer a searchset Bundle', refused: false };
    }
    const pageResources = bundleResources(page);
    // a prefetched first page was counted with the prefetch (http layer); pages read here are counted here
    if ((typeof start === 'string' || pages > 1) && !take(limits.allowance, pageResources.length)) return tooMany;
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
      return { ok: false, reason: 'a next link of the FHIR server is not a URL', refused: false };
    }
    if (!isWithinFhirServer(nextUrl.href, target.baseUrl)) {
      return { ok: false, reason: 'a next link leaves the fhirServer base URL; it is not followed', refused: false };
    }
    if (visited.has(nextUrl.href)) return { ok: false, reason: 'the next links of the FHIR server loop back to a page already read', refused: false };
    visited.add(nextUrl.href);
    if (pages >= limits.maxPages) {
      return { ok: false, reason: `more than ${limits.maxPages} pages (FHIR_MAX_PAGES) of results`, refused: false };
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
    result = failure(error, limits.signal);
  }
  const outcome = result.ok ? 'ok' : limits.signal.aborted ? 'timeout' : 'error';
  recordFhirFetch(resourceType, performance.now() - began, outcome);
  return result;
}

/**
 * A Binary the FHIR server holds (a report's presentedForm.url, a DocumentReference attachment):
 * read as FHIR JSON (`Accept: application/fhir+json`, which Oracle Health documents to answer a
 * Binary resource with `data`), counted like any answer. The caller checks the URL is a Binary on
 * this FHIR server (binaryTarget) before asking.
 */
export async function fetchBinary(client: Client, url: string, limits: FetchLimits): Promise<{ readonly ok: true; readonly binary: fhir4.Binary } | (FetchResult & { ok: false })> {
  const began = performance.now();
  let result: { readonly ok: true; readonly binary: fhir4.Binary } | (FetchResult & { ok: false });
  try {
    const answer = (await getJson(client, url, limits)) as { resourceType?: unknown; data?: unknown } | null;
    if (answer?.resourceType !== 'Binary') result = { ok: false, reason: 'the FHIR server did not answer a Binary resource', refused: isOperationOutcome(answer) };
    else if (!take(limits.allowance, 1)) result = { ok: false, reason: `more than ${limits.allowance.max} resources (MAX_RESOURCES) in this call`, refused: false };
    else result = { ok: true, binary: answer as fhir4.Binary };
  } catch (error) {
    result = failure(error, limits.signal);
  }
  recordFhirFetch('Binary', performance.now() - began, result.ok ? 'ok' : limits.signal.aborted ? 'timeout' : 'error');
  return result;
}
