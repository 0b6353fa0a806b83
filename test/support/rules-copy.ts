/**
 * A copy of the bundled rules in a tmp folder for each test (without the cases), to break one
 * file and see the loader refuse it, naming the file and the JSON path (design.md section 2).
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { BUNDLED_RULES_DIR } from '../../src/config.js';
import { RulesLoadError, loadRules } from '../../src/rules/index.js';

export type Json = Record<string, unknown>;

export interface RulesCopy {
  /** The copy of this test (a new one for each test). */
  readonly dir: string;
  /** Rewrites `file` (relative to the copy) through `change`, saved as `saveAs`. */
  readonly edit: (file: string, change: (json: Json) => void, saveAs?: string) => Promise<void>;
  /** The RulesLoadError the copy is refused with (fails the test when it loads). */
  readonly refusal: () => Promise<RulesLoadError>;
}

export function useRulesCopy(prefix: string): RulesCopy {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    await cp(BUNDLED_RULES_DIR, dir, { recursive: true, filter: (src) => !src.split(/[/\\]/).includes('cases') });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    edit: async (file, change, saveAs = file) => {
      const json = JSON.parse(await readFile(join(dir, file), 'utf8')) as Json;
      change(json);
      await writeFile(join(dir, saveAs), JSON.stringify(json, null, 2));
    },
    refusal: async () => {
      try {
        await loadRules(dir);
      } catch (e) {
        if (e instanceof RulesLoadError) return e;
        throw e;
      }
      throw new Error('the rules loaded');
    },
  };
}
