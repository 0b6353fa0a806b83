/**
 * A small FHIR read/search server on 127.0.0.1 (node:http, no dependencies) that misbehaves on
 * request: the faults the shared test server (test/support/fhir-server.ts) does not inject —
 * 429, a `next` link that loops, a 10,000-entry page, another patient's resources (or another
 * Patient answering a read), a hang —
 * and the common ones too, so one fault test can cover all of them with the same data.
 *
 * Search: `GET /{Type}?patient={id}` (or `subject=Patient/{id}`) → searchset of that type's
 * resources of the patient (narrowed by `category=system|code` when given), paged by `_count`
 * (default: everything on one page) with `_page`.
 * Read: `GET /{Type}/{id}`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A FHIR resource as JSON; only the fields the server needs are typed. */
export interface JsonResource {
  readonly resourceType: string;
  readonly id?: string;
  readonly [key: string]: unknown;
}

export type Fault =
  | { readonly kind: 'delay'; readonly ms: number }
  /** Never answers (the socket stays open until the server closes). */
  | { readonly kind: 'hang' }
  | { readonly kind: 'status'; readonly status: number; readonly retryAfterS?: number }
  | { readonly kind: 'malformed-json' }
  /** A Bundle whose `type` is not searchset (e.g. a transaction-response). */
  | { readonly kind: 'wrong-bundle-type'; readonly type: string }
  /** Not a Bundle at all: an OperationOutcome with status 200. */
  | { readonly kind: 'not-a-bundle' }
  /** The matching resources, plus resources of another patient on the same page. */
  | { readonly kind: 'other-patient'; readonly otherPatientId: string }
  /**
   * The control of 'other-patient': the other patient's resources relabelled as the asked
   * patient's (subject or patient rewritten), as if they were this patient's own.
   */
  | { readonly kind: 'other-patient-relabelled'; readonly otherPatientId: string }
  /** A read (`Patient/1`) answered with another resource of that type (`Patient/2`). */
  | { readonly kind: 'read-other'; readonly otherId: string }
  /** Every page carries a `next` link pointing back at itself. */
  | { readonly kind: 'next-loop' }
  /** Every page carries a `next` link to a page never seen before (`_page=n+1`), forever. */
  | { readonly kind: 'next-endless' }
  /** One page of `entries` Observations: the patient's own, then unrelated vitals up to that count. */
  | { readonly kind: 'huge-page'; readonly entries: number };

export interface FaultServerOptions {
  readonly resources: readonly JsonResource[];
  /** The fault for one request (by resource type and the request path), or none. */
  readonly fault?: (resourceType: string, url: URL) => Fault | undefined;
  /** Delay applied to every answer (the fixed latency of a remote FHIR server), ms. */
  readonly delayMs?: number;
}

export interface FaultServer {
  readonly baseUrl: string;
  /** Every request path+query received, in order. */
  readonly requests: string[];
  /** The Authorization header of each request, in order (undefined when absent). */
  readonly authorizations: (string | undefined)[];
  /** The most requests this server has had in flight at once (received, not yet answered). */
  readonly maxInFlight: () => number;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/fhir+json';

function belongsTo(resource: JsonResource, patientId: string): boolean {
  if (resource.resourceType === 'Patient') return resource.id === patientId;
  const ref = `Patient/${patientId}`;
  for (const field of ['subject', 'patient']) {
    const value = resource[field];
    if (value && typeof value === 'object' && (value as { reference?: unknown }).reference === ref) return true;
  }
  return false;
}

function hasCategory(resource: JsonResource, token: string): boolean {
  const [system, code] = token.split('|');
  const categories = Array.isArray(resource.category) ? (resource.category as unknown[]) : [resource.category];
  return categories.some((c) => ((c as { coding?: { system?: string; code?: string }[] } | undefined)?.coding ?? []).some((x) => x.system === system && x.code === code));
}

function patientOf(url: URL): string | undefined {
  const direct = url.searchParams.get('patient') ?? url.searchParams.get('subject');
  if (direct === null) return undefined;
  return direct.replace(/^Patient\//, '');
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': JSON_TYPE, ...headers });
  res.end(body);
}

function outcome(code: string, text: string): string {
  return JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics: text }] });
}

/** Observations of no clinical interest, for the huge page. */
function fillerObservations(patientId: string, count: number): JsonResource[] {
  const out: JsonResource[] = [];
  for (let i = 0; i < count; i++) {
    out.push({
      resourceType: 'Observation',
      id: `huge-${String(i)}`,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { reference: `Patient/${patientId}` },
      effectiveDateTime: '2026-01-01',
      valueQuantity: { value: 60 + (i % 30), unit: '/min' },
    });
  }
  return out;
}

export async function startFaultFhirServer(options: FaultServerOptions): Promise<FaultServer> {
  const requests: string[] = [];
  const authorizations: (string | undefined)[] = [];
  let baseUrl = '';
  let inFlight = 0;
  let maxInFlight = 0;

  const answer = (res: ServerResponse, url: URL, fault: Fault | undefined): void => {
    const parts = url.pathname.split('/').filter((p) => p.length > 0);
    const resourceType = parts[0] ?? '';
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'status') {
      send(res, fault.status, outcome('transient', `injected ${String(fault.status)}`),
        fault.retryAfterS !== undefined ? { 'retry-after': String(fault.retryAfterS) } : {});
      return;
    }
    if (fault?.kind === 'malformed-json') {
      send(res, 200, '{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Obs');
      return;
    }
    if (fault?.kind === 'not-a-bundle') {
      send(res, 200, outcome('informational', 'not a bundle'));
      return;
    }

    if (parts.length === 2) {
      const id = fault?.kind === 'read-other' ? fault.otherId : parts[1];
      const found = options.resources.find((r) => r.resourceType === resourceType && r.id === id);
      if (found) send(res, 200, JSON.stringify(found));
      else send(res, 404, outcome('not-found', `${resourceType}/${parts[1] ?? ''} not found`));
      return;
    }
    const patientId = patientOf(url);
    if (parts.length !== 1 || patientId === undefined) {
      send(res, 400, outcome('invalid', 'search needs patient or subject'));
      return;
    }

    let matches = options.resources.filter((r) => r.resourceType === resourceType && belongsTo(r, patientId));
    if (fault?.kind === 'other-patient' || fault?.kind === 'other-patient-relabelled') {
      const own = { reference: `Patient/${patientId}` };
      const theirs = options.resources.filter((r) => r.resourceType === resourceType && belongsTo(r, fault.otherPatientId));
      matches = [
        ...matches,
        ...(fault.kind === 'other-patient'
          ? theirs
          : theirs.map((r) => ({ ...r, ...('subject' in r ? { subject: own } : {}), ...('patient' in r ? { patient: own } : {}) }))),
      ];
    }
    // `category=system|code` (US Core: Observation, DiagnosticReport, ServiceRequest searches) narrows as a FHIR server does
    const category = url.searchParams.get('category');
    if (category !== null) matches = matches.filter((r) => hasCategory(r, category));
    if (fault?.kind === 'huge-page') matches = [...matches, ...fillerObservations(patientId, Math.max(0, fault.entries - matches.length))];

    const count = Number(url.searchParams.get('_count') ?? matches.length) || matches.length || 1;
    const page = Number(url.searchParams.get('_page') ?? 0) || 0;
    const slice = fault?.kind === 'huge-page' || fault?.kind === 'next-endless' ? matches : matches.slice(page * count, (page + 1) * count);
    const link: { relation: string; url: string }[] = [{ relation: 'self', url: `${baseUrl}${url.pathname}${url.search}` }];
    if (fault?.kind === 'next-loop') {
      link.push({ relation: 'next', url: `${baseUrl}${url.pathname}${url.search}` });
    } else if (fault?.kind === 'next-endless') {
      const next = new URL(url);
      next.searchParams.set('_page', String(page + 1));
      link.push({ relation: 'next', url: `${baseUrl}${next.pathname}${next.search}` });
    } else if (fault?.kind !== 'huge-page' && (page + 1) * count < matches.length) {
      const next = new URL(url);
      next.searchParams.set('_page', String(page + 1));
      link.push({ relation: 'next', url: `${baseUrl}${next.pathname}${next.search}` });
    }
    const bundle = {
      resourceType: 'Bundle',
      type: fault?.kind === 'wrong-bundle-type' ? fault.type : 'searchset',
      total: matches.length,
      link,
      entry: slice.map((resource) => ({
        fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id ?? ''}`,
        resource,
        search: { mode: 'match' },
      })),
    };
    send(res, 200, JSON.stringify(bundle));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', baseUrl);
    requests.push(`${url.pathname}${url.search}`);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => { inFlight--; });
    authorizations.push(req.headers.authorization);
    const fault = options.fault?.(url.pathname.split('/')[1] ?? '', url);
    const wait = (options.delayMs ?? 0) + (fault?.kind === 'delay' ? fault.ms : 0);
    if (wait > 0) setTimeout(() => { answer(res, url, fault); }, wait);
    else answer(res, url, fault);
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;

  return {
    baseUrl,
    requests,
    authorizations,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => { resolve(); });
      }),
  };
}
