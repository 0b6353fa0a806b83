/**
 * Every rule case (rules/**\/cases/*.json) as its own test: the bundle, a fixed `now`, the expected
 * Assessment fragment (design.md section 2). A failure names the JSON path, expected vs actual.
 */
import { describe, expect, it } from 'vitest';
import { BUNDLED_RULES_DIR } from '../../src/config.js';
import { loadRules } from '../../src/rules/index.js';
import { describeCaseResult, listCaseFiles, runCaseFile } from '../../src/pipeline/cases.js';

const rules = await loadRules(BUNDLED_RULES_DIR);
const files = await listCaseFiles(BUNDLED_RULES_DIR);

describe('rule cases', () => {
  it('there are cases to run', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) {
    it(file, async () => {
      const result = await runCaseFile(BUNDLED_RULES_DIR, file, rules);
      expect(result.ok, describeCaseResult(result)).toBe(true);
    });
  }
});
