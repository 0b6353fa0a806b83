/**
 * How the time of one patient-view call grows with the chart: in-process through `app.inject`
 * (the service as buildApp() makes it, through tsx, so compare the figures with each other, not
 * with bench/run.ts), median of 9 calls, with the body limit and resource cap raised so that
 * the largest charts are accepted.
 *
 *     npx tsx bench/scaling.ts
 *
 * Two kinds of growth: more vitals and labs (the bench patient at 300 to 8,000 resources), and
 * more imaging history (the 300-resource patient plus N ImagingStudies and N necrotic-extent
 * findings of the right hip, one a day), which the stage history walks date by date.
 */
import type { ImagingStudy, Observation, Resource } from '@medplum/fhirtypes';
import { buildApp } from '../src/app.js';
import { testConfig } from '../src/config.js';
import { BENCH_ENV } from './service.js';
import { FALLBACK_TEMPLATES, buildPrefetch, generateOnfhPatient, patientViewRequest } from './generate.js';

const app = await buildApp(testConfig({ ...BENCH_ENV, BODY_LIMIT_BYTES: String(20 * 1024 * 1024), MAX_RESOURCES: '100000' }), { now: () => new Date('2026-11-21T12:00:00Z') });
await app.ready();
async function time(resources: readonly Resource[], patientId: string): Promise<[number, number, number]> {
  const body = JSON.stringify(patientViewRequest(patientId, { prefetch: buildPrefetch(resources, FALLBACK_TEMPLATES, patientId) }));
  const ms: number[] = [];
  let status = 0;
  for (let i = 0; i < 9; i++) {
    const t = performance.now();
    const r = await app.inject({ method: 'POST', url: '/cds-services/onfh-patient-view', headers: { 'content-type': 'application/json' }, payload: body });
    ms.push(performance.now() - t);
    status = r.statusCode;
  }
  ms.sort((a, b) => a - b);
  return [ms[4] ?? NaN, body.length, status];
}
const line = (what: string, [ms, bytes, status]: [number, number, number]) => { console.log(`${what.padEnd(40)} ${(bytes / 1024 / 1024).toFixed(2)} MiB  median ${ms.toFixed(1)} ms  (${String(status)})`); };
for (const n of [300, 1000, 3000, 8000]) {
  const { patientId, resources } = generateOnfhPatient({ resourceCount: n });
  line(`${String(n)} resources (vitals, labs)`, await time(resources, patientId));
}
const base = generateOnfhPatient({ resourceCount: 300 });
const study = base.resources.find((r): r is ImagingStudy => r.resourceType === 'ImagingStudy');
const finding = base.resources.find((r): r is Observation => r.resourceType === 'Observation' && r.code.coding?.[0]?.code === 'necrotic-extent');
if (!study || !finding) throw new Error('no study or finding in the bench patient');
for (const n of [1000, 2000, 4000]) {
  const extra: Resource[] = [];
  for (let i = 0; i < n; i++) {
    const day = new Date(Date.UTC(2015, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
    extra.push({ ...study, id: `s${String(i)}`, started: `${day}T10:00:00Z` });
    extra.push({ ...finding, id: `f${String(i)}`, effectiveDateTime: day, valueQuantity: { value: 10 + (i % 20), unit: '%', system: 'http://unitsofmeasure.org', code: '%' } });
  }
  line(`+${String(n)} ImagingStudies and ${String(n)} findings`, await time([...base.resources, ...extra], base.patientId));
}
await app.close();
