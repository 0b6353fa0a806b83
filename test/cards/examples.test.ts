/**
 * examples/*.json: valid CDS Hooks 2.0 requests for our services, with complete prefetch (so
 * `fhirServer` can be left out), one patient each, and dates before the day the examples were
 * written (2026-11-21).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CdsRequestSchema } from '../../src/cds-hooks/request.js';
import { ONFH_PREFETCH } from '../../src/cds-hooks/services.js';

type Json = Record<string, unknown>;
const read = (name: string): Json => JSON.parse(readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8')) as Json;

function resources(value: unknown): Json[] {
  if (typeof value !== 'object' || value === null) return [];
  const v = value as Json;
  if (v['resourceType'] === 'Bundle') return ((v['entry'] ?? []) as { resource: unknown }[]).flatMap((e) => resources(e.resource));
  return typeof v['resourceType'] === 'string' ? [v] : [];
}

function dates(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) out.push(value.slice(0, 10));
  else if (Array.isArray(value)) value.forEach((v) => dates(v, out));
  else if (typeof value === 'object' && value !== null) Object.values(value).forEach((v) => dates(v, out));
  return out;
}

function references(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => references(v, out));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') out.push(v);
      else references(v, out);
    }
  }
  return out;
}

describe.each(['patient-view.json', 'order-sign-bisphosphonate.json', 'patient-view-out-of-scope.json'])('%s', (name) => {
  const request = read(name);

  it('is a valid CDS Hooks 2.0 request with a hookInstance UUID and no fhirServer', () => {
    expect(CdsRequestSchema.safeParse(request).error?.issues).toBeUndefined();
    expect(request['hookInstance']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(request).not.toHaveProperty('fhirServer');
  });

  it('fills every prefetch key of discovery, searches as searchset Bundles', () => {
    const prefetch = request['prefetch'] as Json;
    expect(Object.keys(prefetch).sort()).toStrictEqual(Object.keys(ONFH_PREFETCH).sort());
    for (const [key, value] of Object.entries(prefetch)) {
      const v = value as Json;
      expect(v['resourceType'], key).toBe(key === 'patient' ? 'Patient' : 'Bundle');
      if (key !== 'patient') expect(v['type'], key).toBe('searchset');
    }
  });

  it('is about one patient, with dates before 2026-11-21', () => {
    const context = request['context'] as Json;
    const patientId = context['patientId'] as string;
    const all = [...Object.values(request['prefetch'] as Json).flatMap((r) => resources(r)), ...resources(context['draftOrders'])];
    const patients = references(all).filter((r) => r.startsWith('Patient/'));
    expect(new Set(patients)).toStrictEqual(new Set([`Patient/${patientId}`]));
    expect(dates(request).filter((d) => d >= '2026-11-21')).toStrictEqual([]);
  });
});

describe('order-sign-bisphosphonate.json', () => {
  it('carries one draft alendronate MedicationRequest (RxNorm 46041) in context.draftOrders', () => {
    const drafts = resources((read('order-sign-bisphosphonate.json')['context'] as Json)['draftOrders']);
    expect(drafts.map((d) => [d['resourceType'], d['status'], JSON.stringify(d['medicationCodeableConcept'])])).toStrictEqual([
      ['MedicationRequest', 'draft', expect.stringContaining('"code":"46041"') as unknown],
    ]);
  });
});

describe('assessment-bundle.json', () => {
  it('holds the same patient data as the patient-view prefetch, as one Bundle', () => {
    const bundle = read('assessment-bundle.json');
    const prefetch = read('patient-view.json')['prefetch'] as Json;
    const fromPrefetch = Object.values(prefetch).flatMap((r) => resources(r));
    expect(bundle['resourceType']).toBe('Bundle');
    const byKey = (rs: Json[]): Json[] => [...rs].sort((x, y) => `${String(x['resourceType'])}/${String(x['id'])}`.localeCompare(`${String(y['resourceType'])}/${String(y['id'])}`));
    expect(byKey(resources(bundle))).toStrictEqual(byKey(fromPrefetch));
  });
});
