/**
 * Writes rules/schema/<kind>.schema.json from the zod schemas (editors validate rule files with
 * them; test/rules/schema.test.ts fails when a committed copy drifts). Run after changing
 * src/rules/schemas.ts:  npx tsx src/rules/write-schemas.ts [rulesDir]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUNDLED_RULES_DIR } from '../config.js';
import { z } from 'zod';
import * as reportLexicon from './kinds/report-lexicon.js';
import { RULE_KINDS, ruleJsonSchema } from './schemas.js';

/** The file name and text of each kind's JSON Schema, as committed. */
export function ruleSchemaFiles(): { name: string; text: string }[] {
  const lexicon = { ...z.toJSONSchema(reportLexicon.schema, { io: 'input', unrepresentable: 'any' }), title: `onfh-cds rule file, kind "${reportLexicon.kind}"` };
  return [
    ...RULE_KINDS.map((kind) => ({ name: `${kind}.schema.json`, text: `${JSON.stringify(ruleJsonSchema(kind), null, 2)}\n` })),
    { name: `${reportLexicon.kind}.schema.json`, text: `${JSON.stringify(lexicon, null, 2)}\n` },
  ];
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
