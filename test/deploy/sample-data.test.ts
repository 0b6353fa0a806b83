/**
 * docker/sample-data/ (issue 6, item 3): synthetic patients that a FHIR server accepts as
 * transaction Bundles of PUTs (so reloading is idempotent), coded as clinical-spec.md section 9
 * says, spread across ARCO stages and both hips, plus two patients the service must stay silent
 * about. And the loader that posts them: run against a stand-in FHIR server.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { repoPath } from './support.js';

const DIR = repoPath('docker/sample-data');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
/** clinical-spec.md is written on this day; sample data must lie before it. */
const SPEC_DATE = '2026-11-21';

const SYS = {
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  sct: 'http://snomed.info/sct',
  loinc: 'http://loinc.org',
  dcm: 'http://dicom.nema.org/resources/ontology/DCM',
  finding: 'http://onfh-cds.org/fhir/CodeSystem/onfh-finding',
  ucum: 'http://unitsofmeasure.org',
} as const;

/** clinical-spec.md section 9: ONFH condition codes (femur). */
const ONFH_ICD10CM = new Set(
  ['0', '1', '2', '3', '8'].flatMap((etiology) =>
    (etiology === '2' ? ['1', '2', '6'] : etiology === '3' ? ['1', '2', '3'] : ['1', '2', '9']).map((side) => `M87.${etiology}5${side}`),
  ),
);
const ONFH_SNOMED = new Set(['203476003', '29281007', '444849002']);
/** clinical-spec.md section 3. */
const FINDING_IDS = new Set([
  'necrotic-extent', 'collapse-depth', 'subchondral-fracture', 'crescent-extent', 'bone-marrow-edema',
  'joint-space-narrowing', 'mri-necrosis-sign', 'xray-abnormal', 'ct-abnormal', 'bone-scan-abnormal',
  'sclerotic-zone', 'kerboul-angle', 'joint-effusion', 'jic-type',
]);
const UCUM_UNITS = new Set(['mm', 'cm', '%', 'deg', '1']);
const MODALITIES = new Set(['MR', 'CT', 'CR', 'DX', 'NM']);

const Coding = z.looseObject({ system: z.string().optional(), code: z.string().optional(), display: z.string().optional() });
const Concept = z.looseObject({ coding: z.array(Coding).optional(), text: z.string().optional() });
const Resource = z.looseObject({ resourceType: z.string(), id: z.string() });
const BundleSchema = z.looseObject({
  resourceType: z.literal('Bundle'),
  type: z.literal('transaction'),
  entry: z
    .array(
      z.strictObject({
        resource: Resource,
        request: z.strictObject({ method: z.literal('PUT'), url: z.string() }),
      }),
    )
    .min(2),
});
type Res = z.infer<typeof Resource> & Record<string, unknown>;

const bundles = FILES.map((file) => ({ file, bundle: BundleSchema.parse(JSON.parse(readFileSync(join(DIR, file), 'utf8'))) }));
const resourcesOf = (file: string): Res[] => bundles.find((b) => b.file === file)?.bundle.entry.map((e) => e.resource) ?? [];
const codings = (c: unknown): z.infer<typeof Coding>[] => Concept.safeParse(c).data?.coding ?? [];
const text = (c: unknown): string => (Concept.safeParse(c).data?.text ?? '').toLowerCase();
const statusCode = (c: unknown): string | undefined => codings(c)[0]?.code;

// ── a minimal reading of the data, straight from clinical-spec.md sections 1-4 ──────────────

type Side = 'left' | 'right';
function sideOfSite(site: unknown): Side | null {
  const codes = codings(site).map((c) => c.code);
  const t = text(site);
  if (codes.includes('24028007') || /\bright\b/.test(t)) return 'right';
  if (codes.includes('7771000') || /\bleft\b/.test(t)) return 'left';
  return null;
}
function isOnfh(condition: Res): boolean {
  const verification = statusCode(condition.verificationStatus);
  const clinical = statusCode(condition.clinicalStatus);
  if (verification === 'refuted' || verification === 'entered-in-error') return false;
  if (clinical !== undefined && !['active', 'recurrence', 'relapse'].includes(clinical)) return false;
  return codings(condition.code).some(
    (c) => (c.system === SYS.icd10cm && ONFH_ICD10CM.has(c.code ?? '')) || (c.system === SYS.sct && ONFH_SNOMED.has(c.code ?? '')),
  );
}
/** Section 2: ICD-10-CM laterality character, else bodySite. */
function conditionSide(condition: Res): Side | null {
  const icd = codings(condition.code).find((c) => c.system === SYS.icd10cm)?.code ?? '';
  if (/[1]$/.test(icd) && icd.startsWith('M87')) return 'right';
  if (/[2]$/.test(icd) && icd.startsWith('M87')) return 'left';
  const sites = Array.isArray(condition.bodySite) ? (condition.bodySite as unknown[]) : [];
  return sites.map(sideOfSite).find((s) => s !== null) ?? null;
}
/** Newest value of each finding per side (section 3), cm converted to mm. */
function findings(resources: Res[]): Map<Side, Map<string, { date: string; value: number | boolean }>> {
  const out = new Map<Side, Map<string, { date: string; value: number | boolean }>>();
  for (const r of resources) {
    if (r.resourceType !== 'Observation') continue;
    const code = codings(r.code).find((c) => c.system === SYS.finding)?.code;
    const side = sideOfSite(r.bodySite);
    if (code === undefined || side === null) continue;
    const q = r.valueQuantity as { value: number; code: string } | undefined;
    const value = typeof r.valueBoolean === 'boolean' ? r.valueBoolean : q ? (q.code === 'cm' ? q.value * 10 : q.value) : undefined;
    if (value === undefined) continue;
    const date = String(r.effectiveDateTime);
    const perSide = out.get(side) ?? new Map<string, { date: string; value: number | boolean }>();
    const prev = perSide.get(code);
    if (!prev || prev.date < date) perSide.set(code, { date, value });
    out.set(side, perSide);
  }
  return out;
}
/** Section 4.1, first row that matches. */
function arcoStage(f: Map<string, { value: number | boolean }> | undefined): string | null {
  const v = (id: string) => f?.get(id)?.value;
  const collapse = v('collapse-depth');
  if (v('joint-space-narrowing') === true) return '4';
  if (typeof collapse === 'number' && collapse > 2) return '3B';
  if ((typeof collapse === 'number' && collapse > 0) || v('subchondral-fracture') === true) return '3A';
  if (v('xray-abnormal') === true || v('ct-abnormal') === true) return '2';
  if (v('mri-necrosis-sign') === true || v('bone-scan-abnormal') === true) return '1';
  return null;
}
function summary(file: string): { inScope: boolean; hips: Record<string, string | null> } {
  const resources = resourcesOf(file);
  const onfh = resources.filter((r) => r.resourceType === 'Condition' && isOnfh(r));
  const f = findings(resources);
  const hips: Record<string, string | null> = {};
  for (const c of onfh) {
    const side = conditionSide(c);
    if (side) hips[side] = arcoStage(f.get(side));
  }
  return { inScope: onfh.length > 0, hips };
}

/** What each sample patient is there to show (file → ARCO stage per affected hip). */
const EXPECTED: Record<string, { inScope: boolean; hips: Record<string, string | null> }> = {
  '01-onfh-right-arco1.json': { inScope: true, hips: { right: '1' } },
  '02-onfh-left-arco2-steroid.json': { inScope: true, hips: { left: '2' } },
  '03-onfh-bilateral-arco3a-arco1.json': { inScope: true, hips: { right: '3A', left: '1' } },
  '04-onfh-right-arco3b-progressing.json': { inScope: true, hips: { right: '3B' } },
  '05-onfh-left-arco4-older.json': { inScope: true, hips: { left: '4' } },
  '06-onfh-left-traumatic-edema.json': { inScope: true, hips: { left: '1' } },
  '07-onfh-right-snomed-cm.json': { inScope: true, hips: { right: '3A' } },
  '08-out-of-scope-hip-osteoarthritis.json': { inScope: false, hips: {} },
  '09-out-of-scope-onfh-refuted.json': { inScope: false, hips: {} },
};

describe('docker/sample-data', () => {
  it('holds the expected patients: 7 with ONFH, 2 out of scope', () => {
    expect(FILES).toEqual(Object.keys(EXPECTED));
    expect(Object.values(EXPECTED).filter((e) => e.inScope).length).toBeGreaterThanOrEqual(6);
    expect(Object.values(EXPECTED).filter((e) => !e.inScope).length).toBeGreaterThanOrEqual(2);
  });

  it.each(FILES)('%s reads as intended (scope, affected hips, ARCO stage per section 4.1)', (file) => {
    expect(summary(file)).toEqual(EXPECTED[file]);
  });

  it('covers both hips and every ARCO stage', () => {
    const hips = Object.values(EXPECTED).flatMap((e) => Object.entries(e.hips));
    expect(new Set(hips.map(([side]) => side))).toEqual(new Set(['left', 'right']));
    expect(new Set(hips.map(([, stage]) => stage))).toEqual(new Set(['1', '2', '3A', '3B', '4']));
  });

  it.each(FILES)('%s: one Patient, PUTs to Type/id, ids a FHIR server accepts, references inside the Bundle', (file) => {
    const resources = resourcesOf(file);
    const entries = bundles.find((b) => b.file === file)?.bundle.entry ?? [];
    const patients = resources.filter((r) => r.resourceType === 'Patient');
    expect(patients).toHaveLength(1);
    const ids = new Set<string>();
    for (const e of entries) {
      expect(e.request.url).toBe(`${e.resource.resourceType}/${e.resource.id}`);
      // FHIR id: [A-Za-z0-9-.]{1,64}; HAPI refuses client-assigned ids that are all digits
      expect(e.resource.id).toMatch(/^(?=.*[A-Za-z-.])[A-Za-z0-9-.]{1,64}$/);
      expect(ids.has(e.request.url), `${e.request.url} twice`).toBe(false);
      ids.add(e.request.url);
    }
    const refs = JSON.stringify(resources).match(/"reference":"[^"]+"/g) ?? [];
    for (const ref of refs) expect(ids.has(ref.slice('"reference":"'.length, -1)), ref).toBe(true);
    for (const r of resources) {
      if (r.resourceType !== 'Patient') expect((r.subject as { reference?: string } | undefined)?.reference).toBe(`Patient/${patients[0]?.id ?? ''}`);
    }
  });

  it.each(FILES)('%s: every date is before %s', (file) => {
    const dates = JSON.stringify(resourcesOf(file)).match(/\d{4}-\d{2}-\d{2}/g) ?? [];
    expect(dates.length).toBeGreaterThan(0);
    for (const d of dates) expect(d < SPEC_DATE, d).toBe(true);
  });

  it.each(FILES)('%s: codes as clinical-spec.md section 9 writes them', (file) => {
    for (const r of resourcesOf(file)) {
      if (r.resourceType === 'Observation') {
        const c = codings(r.code)[0];
        expect([SYS.finding, SYS.loinc]).toContain(c?.system);
        if (c?.system === SYS.finding) {
          expect(FINDING_IDS.has(c.code ?? ''), c.code).toBe(true);
          expect(sideOfSite(r.bodySite), `${r.id} has a side`).not.toBeNull();
          const q = r.valueQuantity as { system?: string; code?: string } | undefined;
          if (q) expect(q.system === SYS.ucum && UCUM_UNITS.has(q.code ?? ''), `${r.id} unit`).toBe(true);
          else expect(typeof r.valueBoolean, `${r.id} value`).toBe('boolean');
        } else {
          expect(['72514-3', '100291-4', '39156-5', '72166-2', '75626-2']).toContain(c?.code);
        }
        expect(['final', 'amended', 'corrected', 'preliminary']).toContain(r.status);
      }
      if (r.resourceType === 'ImagingStudy') {
        const modality = r.modality as { system: string; code: string }[];
        const series = r.series as { modality: { system: string; code: string }; uid: string }[];
        for (const m of [...modality, ...series.map((s) => s.modality)]) {
          expect(m.system).toBe(SYS.dcm);
          expect(MODALITIES.has(m.code), m.code).toBe(true);
        }
        for (const s of series) expect(s.uid).toMatch(/^[0-2](\.(0|[1-9]\d*))+$/);
      }
      if (r.resourceType === 'Condition') {
        for (const c of codings(r.code)) expect([SYS.icd10cm, SYS.sct]).toContain(c.system);
      }
    }
  });
});

// ── the same patients through the real engine (facts → staging), with a fixed date ──────────

/** file → side → [ARCO, Chinese] as clinical-spec.md sections 4.1 and 4.2 give them on SPEC_DATE. */
const EXPECTED_STAGES: Record<string, Record<string, [string, string]>> = {
  '01-onfh-right-arco1.json': { right: ['1', 'Ia'] },
  '02-onfh-left-arco2-steroid.json': { left: ['2', 'IIb'] },
  '03-onfh-bilateral-arco3a-arco1.json': { right: ['3A', 'IIIb'], left: ['1', 'Ia'] },
  // collapse first seen 2026-03-10 (>= 6 months before SPEC_DATE) and hip pain now: Chinese V (note to Table 3)
  '04-onfh-right-arco3b-progressing.json': { right: ['3B', 'V'] },
  '05-onfh-left-arco4-older.json': { left: ['4', 'V'] },
  '06-onfh-left-traumatic-edema.json': { left: ['1', 'III'] },
  '07-onfh-right-snomed-cm.json': { right: ['3A', 'IVa'] },
  '08-out-of-scope-hip-osteoarthritis.json': {},
  '09-out-of-scope-onfh-refuted.json': {},
};

const engineReady = existsSync(repoPath('src/engine/index.ts')) && existsSync(repoPath('src/rules/index.ts'));
describe.skipIf(!engineReady)('docker/sample-data through the engine', () => {
  it.each(FILES)('%s is staged as intended', async (file) => {
    const rulesPath = '../../src/rules/index.js';
    const enginePath = '../../src/pipeline/index.js';
    const configPath = '../../src/config.js';
    const { loadRules } = (await import(rulesPath)) as { loadRules: (dir: string) => Promise<unknown> };
    const { assessBundle } = (await import(enginePath)) as {
      assessBundle: (
        bundle: unknown,
        rules: unknown,
        now: string,
      ) => { ok: true; assessment: { inScope: boolean; hips: { side: string; stage: { arco: string | null; chinese: string | null } }[] } } | { ok: false; error: string };
    };
    const { BUNDLED_RULES_DIR } = (await import(configPath)) as { BUNDLED_RULES_DIR: string };
    const result = assessBundle(JSON.parse(readFileSync(join(DIR, file), 'utf8')), await loadRules(BUNDLED_RULES_DIR), SPEC_DATE);
    if (!result.ok) throw new Error(result.error);
    const stages = Object.fromEntries(result.assessment.hips.map((h) => [h.side, [h.stage.arco, h.stage.chinese]]));
    expect(stages).toEqual(EXPECTED_STAGES[file]);
    expect(result.assessment.inScope).toBe(EXPECTED[file]?.inScope);
  });
});

// ── the loader, against a stand-in FHIR server ──────────────────────────────────────────────

interface Received {
  readonly method: string;
  readonly url: string;
  readonly body: string;
}

async function fakeFhirServer(notReadyFor: number): Promise<{ base: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  let metadataCalls = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', body });
      res.setHeader('content-type', 'application/fhir+json');
      if (req.url === '/fhir/metadata') {
        metadataCalls += 1;
        if (metadataCalls <= notReadyFor) {
          res.statusCode = 503;
          res.end('{}');
          return;
        }
        res.end(JSON.stringify({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1' }));
        return;
      }
      if (req.method === 'POST' && req.url === '/fhir') {
        const bundle = JSON.parse(body) as { entry: unknown[] };
        res.end(JSON.stringify({ resourceType: 'Bundle', type: 'transaction-response', entry: bundle.entry.map(() => ({ response: { status: '200 OK' } })) }));
        return;
      }
      res.statusCode = 404;
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}/fhir`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => { resolve(); })),
  };
}

function runLoader(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [repoPath('docker/loader/load-sample-data.js')], {
      env: { PATH: process.env.PATH ?? '', SAMPLE_DATA_DIR: DIR, LOADER_POLL_MS: '50', ...env },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => { resolve({ code, out }); });
  });
}

describe('docker/loader/load-sample-data.js', () => {
  it('waits for the server, then posts every sample Bundle once, unchanged', async () => {
    const fhir = await fakeFhirServer(2);
    try {
      const { code, out } = await runLoader({ FHIR_BASE_URL: fhir.base });
      expect(code, out).toBe(0);
      expect(fhir.received.filter((r) => r.url === '/fhir/metadata')).toHaveLength(3);
      const posts = fhir.received.filter((r) => r.method === 'POST');
      expect(posts.map((p) => p.url)).toEqual(FILES.map(() => '/fhir'));
      expect(posts.map((p) => p.body)).toEqual(FILES.map((f) => readFileSync(join(DIR, f), 'utf8')));
      expect(out).toContain(`loaded ${FILES.length} bundles`);
    } finally {
      await fhir.close();
    }
  });

  it('gives up with exit 1 when the server never becomes ready', async () => {
    const fhir = await fakeFhirServer(Number.POSITIVE_INFINITY);
    try {
      const { code, out } = await runLoader({ FHIR_BASE_URL: fhir.base, LOADER_WAIT_MS: '300' });
      expect(code).toBe(1);
      expect(out).toMatch(/not ready after 300 ms/);
      expect(fhir.received.some((r) => r.method === 'POST')).toBe(false);
    } finally {
      await fhir.close();
    }
  });
});
