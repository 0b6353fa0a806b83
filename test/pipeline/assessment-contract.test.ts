/**
 * POST /assessment serializes from AssessmentSchema, which drops any field it lacks: so every rule
 * case's Assessment, as the engine makes it, must come back from the route unchanged. A field the
 * engine emits but the schema lacks (say a new `reportFindings`) fails here, naming the case.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { BUNDLED_RULES_DIR, testConfig } from '../../src/config.js';
import { AssessmentSchema } from '../../src/engine/assessment-schema.js';
import { listCaseFiles } from '../../src/pipeline/cases.js';
import { assessBundle } from '../../src/pipeline/index.js';
import { loadRules } from '../../src/rules/index.js';

const rules = await loadRules(BUNDLED_RULES_DIR);
const files = await listCaseFiles(BUNDLED_RULES_DIR);
const app = await buildApp(testConfig(), { rules, logStream: { write: () => true } });
afterAll(() => app.close());

describe('the Assessment contract: engine output = POST /assessment answer', () => {
  it('has rule cases to run', () => {
    expect(files.length).toBeGreaterThan(200);
  });

  it('every rule case comes back with every field the engine emitted', async () => {
    for (const file of files) {
      const c = JSON.parse(await readFile(join(BUNDLED_RULES_DIR, file), 'utf8')) as { now: string; bundle: Record<string, unknown> };
      const engine = assessBundle(c.bundle, rules, c.now);
      if (!engine.ok) continue;
      const res = await app.inject({ method: 'POST', url: `/assessment?now=${c.now}`, payload: c.bundle });
      expect(res.statusCode, file).toBe(200);
      const sent: unknown = res.json();
      expect(sent, file).toEqual(JSON.parse(JSON.stringify(engine.assessment)));
    }
  });

  it('a top-level field the schema lacks is refused by the strict schema', async () => {
    const c = JSON.parse(await readFile(join(BUNDLED_RULES_DIR, files[0] ?? ''), 'utf8')) as { now: string; bundle: unknown };
    const engine = assessBundle(c.bundle, rules, c.now);
    if (!engine.ok) throw new Error(engine.error);
    expect(AssessmentSchema.strict().safeParse(engine.assessment).success).toBe(true);
    expect(AssessmentSchema.strict().safeParse({ ...engine.assessment, reportFindings: [] }).success).toBe(false);
  });
});
