/**
 * Report text kept as a FHIR Binary (design.md sections 5 and 8): a radiology DiagnosticReport's
 * `presentedForm` or a DocumentReference's `content.attachment` that has a `url` and no `data`.
 * Pure helpers: which attachments to fetch, and the resource with the fetched text inlined, so the
 * report reader (src/reports) only ever reads `data`. Only a `Binary/<id>` under the fhirServer's
 * own base URL is ever asked for: the bearer token belongs to that FHIR server alone.
 */
import { isWithinFhirServer } from './base-url.js';

/** The text formats the report reader reads (design.md section 5: text/plain, text/html). */
const TEXT_TYPES = new Set(['text/plain', 'text/html']);

/** Most Binaries read per hook call: each is one more request inside the same time budget. */
export const MAX_REPORT_BINARIES = 20;

export interface BinaryWanted {
  /** Index of the resource in the list given to reportBinaries. */
  readonly resource: number;
  /** Absolute URL of the Binary (under the fhirServer base). */
  readonly url: string;
}

function attachmentsOf(resource: fhir4.FhirResource): readonly unknown[] {
  if (resource.resourceType === 'DiagnosticReport') return Array.isArray(resource.presentedForm) ? resource.presentedForm : [];
  if (resource.resourceType === 'DocumentReference') {
    // prefetch and server answers are not validated: an entry may be anything
    return Array.isArray(resource.content) ? (resource.content as unknown[]).map((c) => (typeof c === 'object' && c !== null ? (c as { attachment?: unknown }).attachment : undefined)) : [];
  }
  return [];
}

function mediaType(contentType: unknown): string | undefined {
  return typeof contentType === 'string' ? contentType.split(';')[0]?.trim().toLowerCase() : undefined;
}

/**
 * The Binary URL of an attachment worth fetching: text (or untyped), no inline `data`, and a URL that
 * resolves to `<fhirServer>/Binary/<id>`; undefined otherwise (another origin or path is never fetched).
 */
export function binaryUrl(attachment: unknown, fhirServer: string): string | undefined {
  if (typeof attachment !== 'object' || attachment === null) return undefined;
  const { url, data, contentType } = attachment as { url?: unknown; data?: unknown; contentType?: unknown };
  if (typeof url !== 'string' || (typeof data === 'string' && data !== '')) return undefined;
  const type = mediaType(contentType);
  if (type !== undefined && !TEXT_TYPES.has(type)) return undefined;
  const base = fhirServer.replace(/\/+$/, '');
  let absolute: URL;
  try {
    absolute = new URL(url, `${base}/`);
  } catch {
    return undefined;
  }
  if (!isWithinFhirServer(absolute.href, base) || absolute.search !== '' || absolute.hash !== '') return undefined;
  const rest = absolute.pathname.slice(new URL(`${base}/`).pathname.length);
  return /^Binary\/[A-Za-z0-9\-.]{1,64}$/.test(rest) ? absolute.href : undefined;
}

/** The Binaries the record's reports point at, first seen first, each URL once. */
export function reportBinaries(resources: readonly fhir4.FhirResource[], fhirServer: string): BinaryWanted[] {
  const wanted: BinaryWanted[] = [];
  const seen = new Set<string>();
  resources.forEach((resource, index) => {
    for (const attachment of attachmentsOf(resource)) {
      const url = binaryUrl(attachment, fhirServer);
      if (url === undefined || seen.has(url)) continue;
      seen.add(url);
      wanted.push({ resource: index, url });
    }
  });
  return wanted;
}

/**
 * A copy of the report with each attachment whose Binary was read given that Binary's `data`
 * (and its contentType where the attachment had none). The resource itself is not changed.
 */
export function withBinaryText(resource: fhir4.FhirResource, binaries: ReadonlyMap<string, fhir4.Binary>, fhirServer: string): fhir4.FhirResource {
  const inline = (attachment: unknown): unknown => {
    const url = binaryUrl(attachment, fhirServer);
    const binary = url === undefined ? undefined : binaries.get(url);
    if (binary === undefined || typeof binary.data !== 'string') return attachment;
    const own = attachment as fhir4.Attachment;
    return { ...own, data: binary.data, ...(own.contentType === undefined && typeof binary.contentType === 'string' ? { contentType: binary.contentType } : {}) };
  };
  if (resource.resourceType === 'DiagnosticReport' && Array.isArray(resource.presentedForm)) {
    return { ...resource, presentedForm: resource.presentedForm.map((a) => inline(a) as fhir4.Attachment) };
  }
  if (resource.resourceType === 'DocumentReference' && Array.isArray(resource.content)) {
    return { ...resource, content: resource.content.map((c) => ({ ...c, attachment: inline(c.attachment) as fhir4.Attachment })) };
  }
  return resource;
}
