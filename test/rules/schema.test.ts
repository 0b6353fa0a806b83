/** The committed JSON Schemas of rules/schema/ are the ones the zod schemas generate (no drift). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_RULES_DIR } from '../../src/config.js';
import { ruleSchemaFiles } from '../../src/rules/write-schemas.js';

describe('rules/schema', () => {
  for (const f of ruleSchemaFiles()) {
    it(`${f.name} matches the zod schema (regenerate: npx tsx src/rules/write-schemas.ts)`, async () => {
      const committed = await readFile(join(BUNDLED_RULES_DIR, 'schema', f.name), 'utf8').catch(() => '(missing)');
      expect(committed).toBe(f.text);
    });
  }
});
