/** The value-set rule files (clinical-spec.md section 9): schema, compilation, lookups. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileValueSets, imagingOrderCode, normalizeCode, ValueSetError, ValueSetFileSchema, type ValueSetFile,
} from '../../src/rules/valuesets.js';
import { readValueSetFiles, valueSets } from './helpers.js';

const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';
const header = { id: 'site-local', version: '2025.1.0', status: 'active', source: { document: 'site', section: 'local codes' }, kind: 'valueset' };

describe('the bundled value-set files', () => {
  it('all parse with the schema and carry the common header', () => {
    const files = readValueSetFiles();
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const f of files) {
      expect(f.kind).toBe('valueset');
      expect(f.version).toMatch(/^2025\.\d+\.\d+$/);
      expect(f.status).toBe('active');
    }
    expect(valueSets().rules.map((r) => r.id)).toContain('onfh-conditions');
  });

  it('every entry cites its source', () => {
    for (const f of readValueSetFiles()) {
      for (const entries of Object.values(f.valueSets)) for (const e of entries) expect(e.source.length).toBeGreaterThan(5);
    }
  });
});

describe('schema faults name the place', () => {
  const parse = (valueSets: unknown, extra: Record<string, unknown> = {}) => ValueSetFileSchema.safeParse({ ...header, valueSets, ...extra });
  const paths = (r: ReturnType<typeof parse>) => (r.success ? [] : r.error.issues.map((i) => i.path.join('.')));

  it('an unknown finding id', () => {
    expect(paths(parse({ finding: [{ system: 'urn:x', code: '1', value: 'necrotic-extnt', source: 'site' }] }))).toEqual(['valueSets.finding.0.value']);
  });
  it('an unknown value set', () => {
    expect(parse({ findings: [] }).success).toBe(false);
  });
  it('an entry with no way to match, two ways, or no source', () => {
    expect(parse({ device: [{ system: 'urn:x', value: 'cane', source: 's' }] }).success).toBe(false);
    expect(parse({ device: [{ system: 'urn:x', code: '1', prefix: '1', value: 'cane', source: 's' }] }).success).toBe(false);
    expect(parse({ device: [{ system: 'urn:x', code: '1', value: 'cane' }] }).success).toBe(false);
    expect(parse({ device: [{ code: '1', value: 'cane', source: 's' }] }).success).toBe(false);
  });
  it('a bad range, a bad version, a bad status, an unknown field', () => {
    expect(parse({ contraindication: [{ system: ICD10CM, range: ['C96', 'C00'], value: 'malignancy', source: 's' }] }).success).toBe(false);
    expect(parse({}, { version: '1.0' }).success).toBe(false);
    expect(parse({}, { status: 'live' }).success).toBe(false);
    expect(parse({}, { colour: 'red' }).success).toBe(false);
  });
});

describe('compiled lookups', () => {
  const vs = valueSets();
  it('exact codes with or without the dot', () => {
    expect(vs.find('onfh-condition', ICD10CM, 'M87.051')).toMatchObject({ value: 'non-traumatic', side: 'right' });
    expect(vs.find('onfh-condition', ICD10CM, ' m87151 ')).toMatchObject({ value: 'drug-associated', side: 'right' });
    expect(vs.find('onfh-condition', ICD10CM, 'M87.256')).toMatchObject({ value: 'traumatic' });
    expect(vs.find('onfh-condition', ICD10CM, 'M87.256')?.side).toBeUndefined();
    expect(vs.find('onfh-condition', 'http://snomed.info/sct', 'M87.051')).toBeUndefined();
  });
  it('ICD-10 ranges as prefixes, with the C44 exclusion', () => {
    expect(vs.find('contraindication', ICD10CM, 'C43.9')?.value).toBe('malignancy');
    expect(vs.find('contraindication', ICD10CM, 'C44.91')).toBeUndefined();
    expect(vs.find('contraindication', ICD10CM, 'C45.0')?.value).toBe('malignancy');
    expect(vs.find('contraindication', ICD10CM, 'I50.84')?.value).toBe('heart-failure');
    expect(vs.find('contraindication', ICD10CM, 'I50.8')).toBeUndefined();
  });
  it('ATC H02AB* wildcard', () => {
    expect(vs.find('medication', 'http://www.whocc.no/atc', 'H02AB07')?.value).toBe('systemic-corticosteroid');
    expect(vs.find('medication', 'http://www.whocc.no/atc', 'H02AA02')).toBeUndefined();
  });
  it('text keywords match at the start of a word', () => {
    expect(vs.matchText('laterality', 'Right hip').map((m) => m.value)).toEqual(['right']);
    expect(vs.matchText('laterality', 'bright upright')).toEqual([]);
    expect(vs.matchText('medication', 'ZOLEDRONATE').map((m) => m.value)).toEqual(['zoledronic-acid']);
  });
  it('malformed codes find nothing', () => {
    expect(vs.lookup(undefined, undefined)).toEqual([]);
    expect(vs.lookup(ICD10CM, 42)).toEqual([]);
    expect(vs.lookup(ICD10CM, 'M'.repeat(100_000))).toEqual([]);
  });
});

describe('orderable follow-up imaging (spec 8, 9)', () => {
  it.each([
    ['XR', 'bilateral', '30770-2'], ['MR', 'bilateral', '36017-2'], ['MR', 'left', '36020-6'], ['MR', 'right', '36022-2'],
    ['CT', 'left', '36018-0'], ['CT', 'right', '36021-4'],
  ] as const)('%s %s → LOINC %s', (modality, side, code) => {
    expect(imagingOrderCode(valueSets(), modality, side)).toMatchObject({ system: 'http://loinc.org', code, modality, side });
  });
  it('CT of both hips (LOINC 36016-4, beyond spec 9); the second XR code is listed, not preferred', () => {
    expect(imagingOrderCode(valueSets(), 'CT', 'bilateral')?.code).toBe('36016-4');
    expect(valueSets().imagingOrders.map((o) => o.code)).toContain('26130-5');
  });
  it('a value set without a code for a modality and side answers undefined', () => {
    expect(imagingOrderCode(compileValueSets([]), 'MR', 'left')).toBeUndefined();
  });
});

describe('a site adds local codes by adding entries', () => {
  const site = (valueSets: unknown): ValueSetFile => ValueSetFileSchema.parse({ ...header, valueSets });

  it('a local finding code and a local procedure code', () => {
    const vs = compileValueSets([...readValueSetFiles(), site({
      finding: [{ system: 'urn:hospital:radiology', code: 'ONFH-EXT', value: 'necrotic-extent', source: 'site: radiology report template' }],
      procedure: [{ system: 'urn:hospital:proc', code: 'HIP-CD-01', value: 'core-decompression', source: 'site: OR catalogue' }],
    })]);
    expect(vs.find('finding', 'urn:hospital:radiology', 'onfh-ext')?.value).toBe('necrotic-extent');
    expect(vs.find('procedure', 'urn:hospital:proc', 'HIP-CD-01')?.value).toBe('core-decompression');
  });

  it('a code given two meanings, or made ONFH while excluded, refuses to compile', () => {
    expect(() => compileValueSets([...readValueSetFiles(), site({
      finding: [{ system: 'http://onfh-cds.org/fhir/CodeSystem/onfh-finding', code: 'collapse-depth', value: 'crescent-extent', source: 'site' }],
    })])).toThrow(ValueSetError);
    expect(() => compileValueSets([...readValueSetFiles(), site({
      'onfh-condition': [{ system: 'http://snomed.info/sct', code: '111255008', value: 'non-traumatic', source: 'site' }],
    })])).toThrow(/excluded/);
  });
});

describe('code-system aliases', () => {
  it('the HL7 OIDs some EHRs send are read as the spec 9 URIs', () => {
    const vs = valueSets();
    expect(vs.find('onfh-condition', 'urn:oid:2.16.840.1.113883.6.90', 'M87.052')?.side).toBe('left');
    expect(vs.find('observation', 'urn:oid:2.16.840.1.113883.6.1', '72514-3')?.value).toBe('pain');
    expect(vs.find('contraindication', 'urn:oid:2.16.840.1.113883.6.90', 'C34.1')?.value).toBe('malignancy');
  });
});

describe('code normalisation (spec 9: "M87.051" = "M87051", any case)', () => {
  it('drops dots and surrounding space and upper-cases', () => {
    expect(normalizeCode(' m87.051 ')).toBe('M87051');
    expect(normalizeCode('8867-4')).toBe('8867-4');
    expect(normalizeCode('C1')).toBe('C1');
  });
  it('gives for any string what trimming, dropping dots and upper-casing give', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'Z', '0', '9', '-', '.', ' ', '\t', 'ß', 'é', '_') }), (code) => {
        expect(normalizeCode(code)).toBe(code.trim().replaceAll('.', '').toUpperCase());
      }),
      { numRuns: 1000 },
    );
  });
});
