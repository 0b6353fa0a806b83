/**
 * Where one hook call's CPU time goes, stage by stage, on production's JavaScript: the
 * benchmark's 300-resource patient-view body (bench/generate.ts) read, scanned, parsed,
 * validated, assembled into a record, decided (facts, assessment, cards) and serialised, in one
 * process with no HTTP. Every iteration parses the body afresh, as a server does, so the clinical
 * path walks new objects each time (walking the same objects again is ~1.5× faster and flatters).
 *
 *     npm run bench:stages                      (≈ 20 s)
 *     npx tsx bench/stages.ts [iterations=2000] [b]     b: order-sign with three drafts
 *
 * Run through tsx, it compiles src/ and bench/ with the TypeScript emitter (bench/build.ts) and
 * re-runs itself under plain node on the emitted JavaScript.
 */
import { spawnSync } from 'node:child_process';
import type { FastifyBaseLogger } from 'fastify';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ITERATIONS = Number(process.argv[2] ?? 2000);
const SCENARIO = process.argv[3] === 'b' ? 'b' : 'a';
const WARMUP = 500;

async function measure(): Promise<void> {
  const { FALLBACK_TEMPLATES, buildPrefetch, generateOnfhPatient, orderSignRequest, patientViewRequest } = await import('./generate.js');
  const { BUNDLED_RULES_DIR } = await import('../src/config.js');
  const { loadRules } = await import('../src/rules/index.js');
  const { decideCards } = await import('../src/pipeline/index.js');
  const { CdsRequestSchema } = await import('../src/cds-hooks/request.js');
  const { ONFH_SERVICES } = await import('../src/cds-hooks/services.js');
  const { resolvePatientRecord } = await import('../src/fhir/prefetch.js');
  const { createFhirDispatcher } = await import('../src/fhir/fhir-fetch.js');
  const { bundleResources } = await import('../src/fhir/bundle.js');
  const { parseJsonBody } = await import('../src/http/json-body.js');
  const { extractFacts } = await import('../src/facts/index.js');
  const { assess } = await import('../src/engine/index.js');

  const { patientId, resources } = generateOnfhPatient({ resourceCount: 300 });
  const prefetch = buildPrefetch(resources, FALLBACK_TEMPLATES, patientId);
  const request = SCENARIO === 'b' ? orderSignRequest(patientId, { prefetch }) : patientViewRequest(patientId, { prefetch });
  const bytes = Buffer.from(JSON.stringify(request));
  const service = ONFH_SERVICES.find((s) => s.hook === request.hook);
  if (service === undefined) throw new Error(`no service for ${String(request.hook)}`);
  const rules = await loadRules(BUNDLED_RULES_DIR);
  const silent = { info() {}, warn() {}, debug() {}, error() {} } as unknown as FastifyBaseLogger;
  const now = new Date('2026-11-21T12:00:00Z');
  // full prefetch: nothing is fetched, the dispatcher is only passed along
  const dispatcher = createFhirDispatcher({ maxResponseBytes: 20 * 1024 * 1024, connectionsPerOrigin: 64 });

  const stages = ['body to string', 'JSON (depth scan + parse)', 'zod request', 'patient record', 'clinical decision', '  of which facts', '  of which assessment', 'serialise answer'] as const;
  const total = new Map<string, number>(stages.map((s) => [s, 0]));
  let cards = 0;
  for (let i = 0; i < ITERATIONS + WARMUP; i++) {
    const t0 = performance.now();
    const text = bytes.toString('utf8');
    const t1 = performance.now();
    const parsed = parseJsonBody(text, 100);
    const t2 = performance.now();
    const body = CdsRequestSchema.parse(parsed);
    const t3 = performance.now();
    const record = await resolvePatientRecord({
      templates: service.prefetch, context: body.context, prefetch: body.prefetch, fhirServer: undefined, accessToken: undefined,
      fhirServerRefusal: () => null, timeoutMs: 1000, maxPages: 5, dispatcher, log: silent,
    });
    const t4 = performance.now();
    const drafts = body.hook === 'patient-view' ? [] : bundleResources(body.context.draftOrders as fhir4.Bundle);
    const { cards: answer } = decideCards(rules, {
      service, hook: body.hook, context: body.context, record, draftOrders: drafts,
      selections: [], now,
    });
    const t5 = performance.now();
    const json = JSON.stringify({ cards: answer });
    const t6 = performance.now();
    // the clinical decision's first two steps again, on another fresh parse, to split it
    const again = (JSON.parse(text) as { prefetch: Record<string, unknown> }).prefetch;
    const list = Object.values(again).flatMap((v) => (v !== null && typeof v === 'object' && (v as { resourceType?: unknown }).resourceType === 'Bundle' ? bundleResources(v as fhir4.Bundle) : v === null ? [] : [v as fhir4.FhirResource]));
    const t7 = performance.now();
    const facts = extractFacts({ patientId, resources: list }, rules.valueSets, '2026-11-21');
    const t8 = performance.now();
    assess(facts, rules, '2026-11-21');
    const t9 = performance.now();
    if (i < WARMUP) continue;
    cards = answer.length + json.length * 0;
    const add = (k: (typeof stages)[number], ms: number) => total.set(k, (total.get(k) ?? 0) + ms);
    add('body to string', t1 - t0);
    add('JSON (depth scan + parse)', t2 - t1);
    add('zod request', t3 - t2);
    add('patient record', t4 - t3);
    add('clinical decision', t5 - t4);
    add('serialise answer', t6 - t5);
    add('  of which facts', t8 - t7);
    add('  of which assessment', t9 - t8);
  }
  console.log(`(${SCENARIO}) ${String(resources.length)} resources, ${(bytes.length / 1024).toFixed(0)} KiB body, ${String(cards)} card(s); mean of ${String(ITERATIONS)} calls after ${String(WARMUP)} of warm-up`);
  let sum = 0;
  for (const s of stages) {
    const ms = (total.get(s) ?? 0) / ITERATIONS;
    if (!s.startsWith(' ')) sum += ms;
    console.log(`  ${s.padEnd(28)} ${ms.toFixed(3).padStart(7)} ms`);
  }
  console.log(`  ${'total'.padEnd(28)} ${sum.toFixed(3).padStart(7)} ms`);
  await dispatcher.close();
}

if (process.env['BENCH_STAGES_COMPILED'] === '1') {
  await measure();
} else {
  const { buildForBench } = await import('./build.js');
  const build = buildForBench();
  try {
    const script = join(build.dir, 'bench', 'stages.js');
    const result = spawnSync(process.execPath, [script, ...process.argv.slice(2)], {
      stdio: 'inherit',
      env: { ...process.env, BENCH_STAGES_COMPILED: '1' },
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    });
    process.exitCode = result.status ?? 1;
  } finally {
    build.cleanup();
  }
}
