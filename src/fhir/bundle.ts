/**
 * Pure Bundle helpers (FHIR R4 Bundle): flattening and paging links. No I/O.
 * They read Bundles from prefetch and from FHIR servers, neither of which is validated beyond
 * `resourceType`, so every field is checked for its shape before use: a malformed Bundle yields
 * fewer resources or no next link, never an exception.
 */

export function isBundle(value: unknown): value is fhir4.Bundle {
  return typeof value === 'object' && value !== null && (value as { resourceType?: unknown }).resourceType === 'Bundle';
}

function isResource(value: unknown): value is fhir4.FhirResource {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { resourceType?: unknown }).resourceType === 'string';
}

/** The resources of a Bundle's entries, in order; entries without a resource are skipped. */
export function bundleResources(bundle: fhir4.Bundle): fhir4.FhirResource[] {
  const entries: unknown = bundle.entry;
  if (!Array.isArray(entries)) return [];
  const out: fhir4.FhirResource[] = [];
  for (const entry of entries as unknown[]) {
    const resource = typeof entry === 'object' && entry !== null ? (entry as { resource?: unknown }).resource : undefined;
    if (isResource(resource)) out.push(resource);
  }
  return out;
}

/** The Bundle's `link[relation=next].url`, if any (FHIR R4 http.html#paging). */
export function nextPageUrl(bundle: fhir4.Bundle): string | undefined {
  const links: unknown = bundle.link;
  if (!Array.isArray(links)) return undefined;
  for (const link of links as unknown[]) {
    if (typeof link !== 'object' || link === null) continue;
    const { relation, url } = link as { relation?: unknown; url?: unknown };
    if (relation === 'next' && typeof url === 'string') return url;
  }
  return undefined;
}

/** How many resources a prefetch value or a draftOrders Bundle holds (a Bundle counts its entries). */
export function countResources(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  if (isBundle(value)) {
    const entries: unknown = value.entry;
    return Array.isArray(entries) ? entries.length : 0;
  }
  return 1;
}
