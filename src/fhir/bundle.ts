/** Pure Bundle helpers (FHIR R4 Bundle): flattening and paging links. No I/O. */

export function isBundle(value: unknown): value is fhir4.Bundle {
  return typeof value === 'object' && value !== null && (value as { resourceType?: unknown }).resourceType === 'Bundle';
}

/** The resources of a Bundle's entries, in order; entries without a resource are skipped. */
export function bundleResources(bundle: fhir4.Bundle): fhir4.FhirResource[] {
  const out: fhir4.FhirResource[] = [];
  for (const entry of bundle.entry ?? []) {
    const resource = (entry as { resource?: unknown }).resource;
    if (typeof resource === 'object' && resource !== null && typeof (resource as { resourceType?: unknown }).resourceType === 'string') {
      out.push(resource as fhir4.FhirResource);
    }
  }
  return out;
}

/** The Bundle's `link[relation=next].url`, if any (FHIR R4 http.html#paging). */
export function nextPageUrl(bundle: fhir4.Bundle): string | undefined {
  return bundle.link?.find((l) => l.relation === 'next')?.url;
}

/** How many resources a prefetch value or a draftOrders Bundle holds (a Bundle counts its entries). */
export function countResources(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  if (isBundle(value)) return Array.isArray(value.entry) ? value.entry.length : 0;
  return 1;
}
