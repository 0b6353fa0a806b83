/**
 * Behaviour snapshot for refactors (issue 16): every rule case (rules/**\/cases/*.json) and every
 * examples/ bundle or hook request run through the engine, cards and HTTP routes, written as one
 * JSON file. Run before and after a change and diff the two files:
 *   npx tsx scripts/compare-assessments.ts /tmp/before.json   (… /tmp/after.json; diff them)
 * Per case: the raw Assessment, the order checks (cases with draftOrders), the patient-view cards,
 * and the serialized answer of POST /assessment. Per example hook request: the HTTP answer.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildApp } from '../src/app.js';
import { testConfig, BUNDLED_RULES_DIR } from '../src/config.js';
import { classifyDraftOrders } from '../src/facts/index.js';
import { checkOrders } from '../src/engine/index.js';
import { assessBundle, decideCards } from '../src/pipeline/index.js';
import { loadRules } from '../src/rules/index.js';
import { listCaseFiles } from '../src/pipeline/cases.js';

type Json = Record<string, unknown>;
const isObj = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

const out = process.argv[2];
if (out === undefined) throw new Error('usage: compare-assessments.ts <out.json>');
const rules = await loadRules(BUNDLED_RULES_DIR);
let at = new Date('2026-01-01T00:00:00Z');
const app = await buildApp(testConfig(), { rules, now: () => at, logStream: { write: () => undefined } });
await app.ready();
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, child() { return this; } };

// Cards as a list, before and after decideCards returned { cards, notes } (issue 16).
const decide = (...args: Parameters<typeof decideCards>): unknown => {
  const d = decideCards(...args) as unknown;
  return Array.isArray(d) ? d : (d as { cards: unknown }).cards;
};

const result: Json = {};
for (const file of await listCaseFiles(BUNDLED_RULES_DIR)) {
  const c = JSON.parse(await readFile(join(BUNDLED_RULES_DIR, file), 'utf8')) as Json;
  const now = String(c.now);
  const r = assessBundle(c.bundle, rules, now);
  const entry: Json = {};
  if (!r.ok) entry.refused = r.error;
  else {
    entry.assessment = r.assessment;
    const entries = isObj(c.bundle) && Array.isArray(c.bundle.entry) ? (c.bundle.entry as unknown[]) : [];
    const resources = entries.map((e) => (isObj(e) ? e.resource : undefined)).filter(isObj) as unknown as fhir4.FhirResource[];
    if (c.draftOrders !== undefined) {
      const drafts = (Array.isArray(c.draftOrders) ? c.draftOrders : []) as fhir4.FhirResource[];
      const { orders, notes } = classifyDraftOrders(drafts, rules.valueSets, resources);
      entry.orderNotes = notes;
      entry.orderChecks = checkOrders(r, orders, rules);
      for (const hook of ['order-sign', 'order-select'] as const) {
        entry[`cards:${hook}`] = decide(rules, {
          hook, record: { patientId: r.assessment.patientId, resources }, draftOrders: drafts,
          selections: drafts.map((d) => `${d.resourceType}/${d.id ?? ''}`).slice(0, 1),
          now: new Date(`${now}T12:00:00Z`), log: silent,
        } as never);
      }
    }
    entry['cards:patient-view'] = decide(rules, {
      hook: 'patient-view', record: { patientId: r.assessment.patientId, resources }, draftOrders: [], selections: [],
      now: new Date(`${now}T12:00:00Z`), log: silent,
    } as never);
  }
  const http = await app.inject({ method: 'POST', url: `/assessment?now=${now}`, payload: c.bundle as Json });
  entry.http = { status: http.statusCode, body: http.json<unknown>() };
  result[file] = entry;
}

const examples = join(BUNDLED_RULES_DIR, '..', 'examples');
for (const name of (await readdir(examples)).filter((n) => n.endsWith('.json')).sort()) {
  const body = JSON.parse(await readFile(join(examples, name), 'utf8')) as Json;
  at = new Date('2026-03-01T12:00:00Z');
  if (body.resourceType === 'Bundle') {
    const http = await app.inject({ method: 'POST', url: '/assessment?now=2026-03-01', payload: body });
    const r = assessBundle(body, rules, '2026-03-01');
    const assessment = r.ok ? { ok: r.ok, facts: r.facts, assessment: r.assessment } : r;
    result[`examples/${name}`] = { assessment, http: { status: http.statusCode, body: http.json<unknown>() } };
  } else if (typeof body.hook === 'string') {
    const service = body.hook === 'patient-view' ? 'onfh-patient-view' : `onfh-${body.hook}`;
    const http = await app.inject({ method: 'POST', url: `/cds-services/${service}`, payload: body });
    result[`examples/${name}`] = { service, http: { status: http.statusCode, body: http.json<unknown>() } };
  }
}
await app.close();
// Card and suggestion uuids are random per call: blank them so two runs compare equal.
await writeFile(out, `${JSON.stringify(result, (k, v: unknown) => (k === 'uuid' ? '<uuid>' : v), 1)}\n`);
console.log(`${Object.keys(result).length} entries → ${out}`);
