/**
 * The FHIR queries the service sends when a hook call has no prefetch, built the way the service
 * builds them (src/fhir/prefetch.ts): each template of its discovery document rendered for the
 * patient (renderPrefetchTemplate), searches with the service's own `_count` (withPageSize,
 * SEARCH_PAGE_SIZE). Relative to the fhirServer; used to pre-warm the benchmark's FHIR server
 * (bench/fhir.ts) and to time that server's own parallel round (bench/run.ts).
 */
import { SEARCH_PAGE_SIZE } from '../src/fhir/prefetch.js';
import { renderPrefetchTemplate, withPageSize } from '../src/fhir/prefetch-template.js';
import type { PrefetchTemplates } from './generate.js';

export function prefetchQueries(templates: PrefetchTemplates, patientId: string): string[] {
  return Object.values(templates).flatMap((template) => {
    const rendered = renderPrefetchTemplate(template, { patientId });
    return rendered === null ? [] : [withPageSize(rendered, SEARCH_PAGE_SIZE)];
  });
}

/** The service's prefetch templates by service id, from its discovery document ({} when it has none). */
export async function discoveryTemplates(serviceUrl: string): Promise<Record<string, PrefetchTemplates>> {
  try {
    const response = await fetch(`${serviceUrl}/cds-services`);
    const doc = (await response.json()) as { services?: { id: string; prefetch?: Record<string, string> }[] };
    return Object.fromEntries((doc.services ?? []).map((s) => [s.id, s.prefetch ?? {}]));
  } catch {
    return {};
  }
}
