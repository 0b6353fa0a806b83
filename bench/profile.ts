/**
 * Profiles the service under one benchmark scenario and prints where its CPU time went.
 *
 *     npx tsx bench/profile.ts a|b|c [seconds=8] [filter]
 *     PROFILE_ROLE=floor npx tsx bench/profile.ts a     the floor instead, for comparison
 *     BENCH_NODE_FLAGS='--max-semi-space-size=64' npx tsx bench/profile.ts a    node flags for the server
 *
 * The service runs in a child with `node --cpu-prof`; the profile lands in bench/profiles/
 * (gitignored, *.cpuprofile: open it in Chrome DevTools → Performance for the flame chart).
 */
import { readdirSync, statSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FALLBACK_TEMPLATES, buildPrefetch, generateOnfhPatient, orderSignRequest, patientViewRequest } from './generate.js';
import { discoveryTemplates, prefetchQueries } from './fhir-queries.js';
import { benchPath, drive, fhirStatsOf, prepareChildren, startChild, stopChild, type Child } from './harness.js';
import { summarise } from './profile-summary.js';

const scenario = process.argv[2] ?? 'a';
const seconds = Number(process.argv[3] ?? 8);
const filter = process.argv[4];
const dir = benchPath('./profiles');

const { patientId, resources } = generateOnfhPatient({ resourceCount: 300 });
const cleanup = prepareChildren();
const children: Child[] = [];
const role = process.env['PROFILE_ROLE'] === 'floor' ? 'floor' : 'service';
const nodeFlags = (process.env['BENCH_NODE_FLAGS'] ?? '').split(' ').filter((f) => f.length > 0);
const service = await startChild(role, { cpuProfileDir: dir, nodeFlags });
children.push(service);
let body: Buffer;
let path = '/cds-services/onfh-patient-view';
let fhir: Child | undefined;
if (scenario === 'c') {
  // The fixed-delay FHIR server of bench/run.ts (c), pre-warmed with the service's own queries.
  const templates = (await discoveryTemplates(service.url))['onfh-patient-view'] ?? FALLBACK_TEMPLATES;
  fhir = await startChild('fhir', { delayMs: 50, resourceCount: 300, pageSize: 1000, warm: prefetchQueries(templates, patientId) });
  children.push(fhir);
  body = Buffer.from(JSON.stringify(patientViewRequest(patientId, { fhirServer: fhir.url })));
} else if (scenario === 'b') {
  path = '/cds-services/onfh-order-sign';
  body = Buffer.from(JSON.stringify(orderSignRequest(patientId, { prefetch: buildPrefetch(resources, FALLBACK_TEMPLATES, patientId) })));
} else {
  body = Buffer.from(JSON.stringify(patientViewRequest(patientId, { prefetch: buildPrefetch(resources, FALLBACK_TEMPLATES, patientId) })));
}
const startedAt = Date.now();
const connections = Number(process.env['PROFILE_CONNECTIONS'] ?? (scenario === 'c' ? 2 : 10));
const figures = await drive({ url: service.url + path, body, seconds, connections, ...(scenario === 'c' ? { rate: Number(process.env['BENCH_FHIR_RATE'] ?? 20) } : {}) });
console.log(`(${scenario}) ${figures.reqPerSec.toFixed(0)} req/s, p50 ${String(figures.p50)} ms, p99 ${String(figures.p99)} ms, non-2xx ${String(figures.non2xx)}`);
if (fhir !== undefined) {
  const stats = await fhirStatsOf(fhir);
  console.log(`FHIR server: ${String(stats.answers)} answers on ${String(stats.connections)} connections, ${String(stats.recorded)} recorded, ${String(stats.late)} late, lag behind its 50 ms p50 ${stats.lagMs.p50.toFixed(2)} ms, max ${stats.lagMs.max.toFixed(2)} ms`);
}
for (const child of children) await stopChild(child);
cleanup();

const newest = readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .map((f) => join(dir, f))
  .filter((f) => statSync(f).mtimeMs >= startedAt)
  // One file per thread (CPU.<date>.<time>.<pid>.<thread>.<seq>): thread 0 is the main thread;
  // the others are tsx's module-loader worker.
  .filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f))
  .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
if (newest === undefined) throw new Error('no profile written');
console.log(`profile: ${newest}`);
const { totalMs, functions } = summarise(JSON.parse(readFileSync(newest, 'utf8')) as Parameters<typeof summarise>[0]);
const keep = (name: string): boolean => filter === undefined || name.includes(filter);
for (const key of ['selfMs', 'totalMs'] as const) {
  console.log(`\n${key === 'selfMs' ? 'self' : 'total'} time (profile ${totalMs.toFixed(0)} ms)`);
  for (const f of functions.filter((x) => keep(x.name)).sort((a, b) => b[key] - a[key]).slice(0, 30)) {
    console.log(`  ${f[key].toFixed(0).padStart(7)} ms ${((100 * f[key]) / totalMs).toFixed(1).padStart(5)} %  ${f.name}`);
  }
}
