/**
 * Valid hook requests to mutate: the project's examples (examples/patient-view.json,
 * examples/order-sign-bisphosphonate.json) when they exist, else requests built from the benchmark
 * patient (bench/generate.ts) with a chart small enough for thousands of cases a minute.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FALLBACK_TEMPLATES, buildPrefetch, generateOnfhPatient, orderSignRequest, patientViewRequest } from '../../../bench/generate.js';
import type { Json } from './mutations.js';

const example = (name: string): Json | undefined => {
  const path = fileURLToPath(new URL(`../../../examples/${name}`, import.meta.url));
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Json) : undefined;
};

const chart = generateOnfhPatient({ resourceCount: 60 });
const prefetch = buildPrefetch(chart.resources, FALLBACK_TEMPLATES, chart.patientId);

export function basePatientView(): { readonly request: Json; readonly source: string } {
  const fromExample = example('patient-view.json');
  if (fromExample !== undefined) return { request: fromExample, source: 'examples/patient-view.json' };
  return { request: patientViewRequest(chart.patientId, { prefetch }) as Json, source: 'bench/generate.ts (60 resources)' };
}

export function baseOrderSign(): { readonly request: Json; readonly source: string } {
  const fromExample = example('order-sign-bisphosphonate.json');
  if (fromExample !== undefined) return { request: fromExample, source: 'examples/order-sign-bisphosphonate.json' };
  return { request: orderSignRequest(chart.patientId, { prefetch }) as Json, source: 'bench/generate.ts (60 resources + 3 draft orders)' };
}

/** order-select: the order-sign request with one selection (CDS Hooks order-select context). */
export function baseOrderSelect(): { readonly request: Json; readonly source: string } {
  const { request, source } = baseOrderSign();
  const r = request as { context?: { draftOrders?: { entry?: { resource?: { resourceType?: string; id?: string } }[] } } };
  const first = r.context?.draftOrders?.entry?.[0]?.resource;
  const selection = first ? `${first.resourceType ?? ''}/${first.id ?? ''}` : 'MedicationRequest/draft-alendronate';
  return {
    request: { ...(request as Record<string, Json>), hook: 'order-select', context: { ...(r.context as Record<string, Json>), selections: [selection] } },
    source: `${source}, as order-select`,
  };
}
