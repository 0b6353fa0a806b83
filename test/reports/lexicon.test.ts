/**
 * rules/reports/{en,zh}.json (kind report-lexicon) are rule files like the others: validated at
 * load, a fault names the file and the JSON path, the service does not start on a broken one.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readReports } from '../../src/reports/index.js';
import { loadRules } from '../../src/rules/index.js';
import type { Json } from '../support/rules-copy.js';
import { useRulesCopy } from '../support/rules-copy.js';

const copy = useRulesCopy('onfh-lexicon-');
const { edit, refusal } = copy;

const findings = (j: Json): Json[] => j.findings as Json[];

describe('report lexicons at load', () => {
  it('both languages load, with their versions in the rule sets, and corpus/ is not read as rules', async () => {
    await mkdir(join(copy.dir, 'reports', 'corpus', 'en'), { recursive: true });
    await writeFile(join(copy.dir, 'reports', 'corpus', 'en', 'x.json'), '{"not": "a rule file"}');
    const rules = await loadRules(copy.dir);
    expect(rules.sets.filter((s) => s.kind === 'report-lexicon').map((s) => [s.id, s.version, s.file])).toEqual([
      ['report-lexicon-en', '2025.1.0', 'reports/en.json'],
      ['report-lexicon-zh', '2025.1.0', 'reports/zh.json'],
    ]);
    expect(rules.active).toContainEqual({ id: 'report-lexicon-zh', version: '2025.1.0' });
  });

  it('a term with two meanings is refused, naming both places', async () => {
    await edit('reports/en.json', (j) => { (findings(j)[0]?.terms as string[]).push('without'); });
    const e = await refusal();
    const fault = e.faults.find((f) => f.file === 'reports/en.json');
    expect(fault?.path).toMatch(/^\$\.findings\[0\]\.terms\[\d+\]$/);
    expect(fault?.message).toMatch(/^"without" has two meanings: here and at \$\.negation\.before\[\d+\]$/);
  });

  it('an unknown finding id is refused at its JSON path', async () => {
    await edit('reports/zh.json', (j) => { (findings(j)[1] as Json).finding = 'crescent'; });
    const e = await refusal();
    expect(e.faults[0]).toMatchObject({ file: 'reports/zh.json', path: '$.findings[1].finding' });
    expect(e.message).toContain('reports/zh.json at $.findings[1].finding');
  });

  it('a list without its source is refused', async () => {
    await edit('reports/en.json', (j) => { delete (j.negation as Json).source; });
    const e = await refusal();
    expect(e.faults[0]).toMatchObject({ file: 'reports/en.json', path: '$.negation.source' });
  });

  it('a missing language is refused: Chinese reports would go unread', async () => {
    await rm(join(copy.dir, 'reports', 'zh.json'));
    const e = await refusal();
    expect(e.faults).toContainEqual({ file: '.', path: '$', message: 'no active report-lexicon for zh (clinical-spec.md 12 reads English and Chinese)' });
  });

  it('the words are data: a site adds a trigger and the reader uses it', async () => {
    const text = 'Right femoral head avascular necrosis is doubtful.';
    const report = { resourceType: 'DiagnosticReport', id: 'r1', status: 'final', category: [{ coding: [{ system: 'http://loinc.org', code: 'LP29684-5' }] }], conclusion: text };
    const before = readReports([report], (await loadRules(copy.dir)).reportLexicons).statements.map((s) => s.certainty);
    await edit('reports/en.json', (j) => { ((j.uncertainty as Json).after as string[]).push('is doubtful'); });
    const after = readReports([report], (await loadRules(copy.dir)).reportLexicons).statements.map((s) => s.certainty);
    expect([before, after]).toEqual([['affirmed'], ['uncertain']]);
  });
});
