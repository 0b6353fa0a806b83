/**
 * Writes rules/schema/<kind>.schema.json from the zod schemas (editors validate rule files with
 * them; test/rules/schema.test.ts fails when a committed copy drifts). Run after changing a
 * kind's schema (src/rules/kinds/<kind>.ts) or src/rules/schemas.ts:  npx tsx src/rules/write-schemas.ts [rulesDir]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUNDLED_RULES_DIR } from '../config.js';
import { z } from 'zod';
import { RULE_KIND_MODULES, type RuleKind } from './kinds/index.js';

/** The JSON Schema an editor uses for a rule file of this kind (rules/schema/<kind>.schema.json). */
function ruleJsonSchema(kind: RuleKind): Record<string, unknown> {
  const schema = z.toJSONSchema(kind.schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: `onfh-cds rule file, kind "${kind.kind}"` };
}

/** The file name and text of each kind's JSON Schema, as committed. */
export function ruleSchemaFiles(): { name: string; text: string }[] {
  // Value set files have no editor schema (rules/valuesets/ is written with its own tooling).
  return RULE_KIND_MODULES.filter((k) => k.kind !== 'valueset')
    .map((kind) => ({ name: `${kind.kind}.schema.json`, text: `${JSON.stringify(ruleJsonSchema(kind), null, 2)}\n` }));
}

export async function writeRuleSchemas(rulesDir: string): Promise<string[]> {
  const dir = join(rulesDir, 'schema');
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const f of ruleSchemaFiles()) {
    await writeFile(join(dir, f.name), f.text);
    written.push(join(dir, f.name));
  }
  return written;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').at(-1) ?? '\0')) {
  const written = await writeRuleSchemas(process.argv[2] ?? BUNDLED_RULES_DIR);
  process.stdout.write(`${written.join('\n')}\n`);
}
