import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyPrefetch } from '../../src/fhir/prefetch.js';
import { assemblePatientRecord, belongsToPatient, parseReference } from '../../src/fhir/patient-record.js';
import { isReadTemplate, readTarget, renderPrefetchTemplate, templateResourceType, withPageSize } from '../../src/fhir/prefetch-template.js';
import { bundleResources, countResources, nextPageUrl } from '../../src/fhir/bundle.js';
import { scanJson } from '../../src/http/json-body.js';

describe('renderPrefetchTemplate (CDS Hooks 2.0 prefetch tokens)', () => {
  const context = { patientId: 'p-1', userId: 'PractitionerRole/r.9', encounterId: 'e1' };
  it('replaces context tokens and user tokens', () => {
    expect(renderPrefetchTemplate('Condition?patient={{context.patientId}}', context)).toBe('Condition?patient=p-1');
    expect(renderPrefetchTemplate('Encounter/{{ context.encounterId }}', context)).toBe('Encounter/e1');
    expect(renderPrefetchTemplate('PractitionerRole?_id={{userPractitionerRoleId}}', context)).toBe('PractitionerRole?_id=r.9');
  });
  it('leaves a template unrendered when a token has no value here', () => {
    expect(renderPrefetchTemplate('Encounter/{{context.encounterId}}', { patientId: 'p' })).toBeNull();
    expect(renderPrefetchTemplate('Practitioner/{{userPractitionerId}}', context)).toBeNull();
    expect(renderPrefetchTemplate('X?y={{context.draftOrders}}', { draftOrders: { resourceType: 'Bundle' } })).toBeNull();
  });
  it('encodes values so they cannot add parameters', () => {
    expect(renderPrefetchTemplate('Condition?patient={{context.patientId}}', { patientId: '1&_include=*' })).toBe('Condition?patient=1%26_include%3D*');
  });
  it('asks for large pages on searches only, keeping a template\'s own _count', () => {
    expect(withPageSize('Condition?patient=p-1', 1000)).toBe('Condition?patient=p-1&_count=1000');
    expect(withPageSize('Condition', 1000)).toBe('Condition?_count=1000');
    expect(withPageSize('Observation?patient=p&_count=1', 1000)).toBe('Observation?patient=p&_count=1');
    expect(withPageSize('Patient/p-1', 1000)).toBe('Patient/p-1');
  });
  it('tells reads from searches and names the resource type', () => {
    expect(isReadTemplate('Patient/p-1')).toBe(true);
    expect(isReadTemplate('Condition?patient=p-1')).toBe(false);
    expect(readTarget('Patient/p-1')).toEqual({ resourceType: 'Patient', id: 'p-1' });
    expect(readTarget('/Patient/p-1')).toEqual({ resourceType: 'Patient', id: 'p-1' });
    expect(readTarget('Condition?patient=p-1')).toBeUndefined();
    expect(templateResourceType('Condition?patient=p-1')).toBe('Condition');
    expect(templateResourceType('Patient/p-1')).toBe('Patient');
  });
});

describe('patient record assembly', () => {
  const mine = { reference: 'Patient/p1' };
  it('reads references in their relative, absolute and versioned forms', () => {
    expect(parseReference('Patient/p1')).toEqual({ type: 'Patient', id: 'p1' });
    expect(parseReference('https://ehr.example.org/fhir/Patient/p1/_history/3')).toEqual({ type: 'Patient', id: 'p1' });
    expect(parseReference('#contained')).toBeNull();
  });
  it('keeps only this patient\'s resources, by Patient.id and by subject or patient reference', () => {
    expect(belongsToPatient({ resourceType: 'Patient', id: 'p1' }, 'p1')).toBe(true);
    expect(belongsToPatient({ resourceType: 'Patient', id: 'p2' }, 'p1')).toBe(false);
    expect(belongsToPatient({ resourceType: 'Condition', subject: mine, code: {} }, 'p1')).toBe(true);
    expect(belongsToPatient({ resourceType: 'Condition', subject: { reference: 'Patient/p2' } }, 'p1')).toBe(false);
    expect(belongsToPatient({ resourceType: 'Observation', status: 'final', code: {}, subject: { reference: 'Group/g1' } }, 'p1')).toBe(false);
    expect(belongsToPatient({ resourceType: 'AllergyIntolerance', patient: { reference: 'Patient/p2' } }, 'p1')).toBe(false);
    expect(belongsToPatient({ resourceType: 'Medication', id: 'm1' }, 'p1')).toBe(true);
  });
  it('drops OperationOutcomes and duplicates, first copy winning', () => {
    const record = assemblePatientRecord('p1', [
      [{ resourceType: 'Condition', id: 'c1', subject: mine, note: [{ text: 'first' }] }, { resourceType: 'OperationOutcome', issue: [] }],
      [{ resourceType: 'Condition', id: 'c1', subject: mine, note: [{ text: 'second' }] }, { resourceType: 'Condition', id: 'c2', subject: mine }],
    ]);
    expect(record.resources.map((r) => `${r.resourceType}/${r.id ?? ''}`)).toEqual(['Condition/c1', 'Condition/c2']);
    expect(record.resources[0]).toMatchObject({ note: [{ text: 'first' }] });
  });
});

describe('classifyPrefetch', () => {
  const templates = { patient: 'Patient/{{context.patientId}}', conditions: 'Condition?patient={{context.patientId}}', encounter: 'Encounter/{{context.encounterId}}' };
  it('uses present keys, takes null as no data, fetches missing keys and OperationOutcome slots', () => {
    const slots = classifyPrefetch(templates, { patientId: 'p1' }, { patient: null, conditions: { resourceType: 'OperationOutcome', issue: [] } });
    expect(slots).toEqual([
      { key: 'patient', state: 'done', resources: [] },
      { key: 'conditions', state: 'fetch', url: 'Condition?patient=p1', why: 'the client reported an error prefetching it' },
      { key: 'encounter', state: 'unfetchable', why: 'its template needs a context field this call does not have' },
    ]);
  });
});

describe('bundle helpers', () => {
  it('flattens entries, finds the next link and counts resources', () => {
    const bundle = { resourceType: 'Bundle' as const, type: 'searchset' as const, link: [{ relation: 'next', url: 'https://x/fhir/Condition?page=2' }], entry: [{ resource: { resourceType: 'Condition' as const, subject: {} } }, { fullUrl: 'x' }] };
    expect(bundleResources(bundle)).toHaveLength(1);
    expect(nextPageUrl(bundle)).toBe('https://x/fhir/Condition?page=2');
    expect(countResources(bundle)).toBe(2);
    expect(countResources({ resourceType: 'Patient' })).toBe(1);
    expect(countResources(null)).toBe(0);
  });
});

/** Whether scanJson finds a JSON text nesting deeper than `limit`. */
const jsonDepthExceeds = (text: string, limit: number): boolean => scanJson(text, limit) === 'too-deep';

describe('scanJson: nesting depth', () => {
  it('counts nesting outside strings only', () => {
    expect(jsonDepthExceeds('{"a":[{"b":[]}]}', 4)).toBe(false);
    expect(jsonDepthExceeds('{"a":[{"b":[[]]}]}', 4)).toBe(true);
    expect(jsonDepthExceeds(JSON.stringify({ text: '[[[[[[[[[["\\' }), 2)).toBe(false);
  });
  it('agrees with the depth of the parsed value, for any JSON', () => {
    const depthOf = (v: unknown): number =>
      typeof v !== 'object' || v === null ? 0 : 1 + Math.max(0, ...(Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)).map(depthOf));
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 8 }), (value, limit) => {
        expect(jsonDepthExceeds(JSON.stringify(value), limit)).toBe(depthOf(value) > limit);
      }),
      { numRuns: 500 },
    );
  });
});
