/**
 * `onfh-cds reports eval --set heldout`: the report reader on rules/reports/heldout/, 40 English and
 * 20 Chinese reports written without seeing the lexicons, the reader or the corpus (its README).
 *
 * Floors: set a little below the first measurement (2026-12-06, lexicons report-lexicon-en and -zh
 * 2025.1.0): EN precision 0.939 recall 0.907 (263 tp, 17 fp, 27 fn), ZH precision 0.978 recall 0.944
 * (136 tp, 3 fp, 8 fn). EN precision is below the clinical-spec.md 12 floor of 0.95, so the command
 * exits 1 today. These floors are not a target: they make a lexicon change that breaks unseen text
 * fail. Raise them when the reader improves on this set *without being tuned on it*; never tune the
 * lexicons on these reports (write a new held-out set instead).
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { BUNDLED_RULES_DIR } from '../../src/config.js';
import { CORPUS_FLOOR } from '../../src/reports/corpus.js';
import { loadRules } from '../../src/rules/index.js';

const HELDOUT_FLOOR = {
  en: { reports: 40, precision: 0.92, recall: 0.89 },
  zh: { reports: 20, precision: 0.96, recall: 0.92 },
} as const;

async function evalSet(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['reports', 'eval', ...args], { out: (t) => out.push(t), err: (t) => err.push(t), today: () => '2026-12-06' });
  return { code, out, err };
}

const languageRows = (out: readonly string[]) => new Map(out.flatMap((line) => {
  const m = /^(en|zh)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s/.exec(line);
  return m ? [[m[1], { reports: Number(m[2]), precision: Number(m[3]), recall: Number(m[4]) }] as const] : [];
}));

describe('onfh-cds reports eval --set heldout', () => {
  it('reads every held-out report and stays at or above the floors measured on it, per language', async () => {
    const r = await evalSet(['--set', 'heldout']);
    const rows = languageRows(r.out);
    expect([...rows.keys()].sort()).toEqual(['en', 'zh']);
    for (const [lang, floor] of Object.entries(HELDOUT_FLOOR)) {
      const row = rows.get(lang);
      expect(row?.reports, `${lang} held-out reports`).toBe(floor.reports);
      expect(row?.precision, `${lang} held-out precision`).toBeGreaterThanOrEqual(floor.precision);
      expect(row?.recall, `${lang} held-out recall`).toBeGreaterThanOrEqual(floor.recall);
    }
    // The exit status still applies the spec floor of the corpus (precision 0.95, recall 0.90).
    const reachesSpec = [...rows.values()].every((row) => row.precision >= CORPUS_FLOOR.precision && row.recall >= CORPUS_FLOOR.recall);
    expect(r.code).toBe(reachesSpec ? 0 : 1);
    expect(r.err).toEqual(reachesSpec ? [] : ['report reading is below the floor for a language']);
  }, 60_000);

  it('is not the corpus: the default set is rules/reports/corpus/, with more reports', async () => {
    const corpus = languageRows((await evalSet([])).out);
    const explicit = languageRows((await evalSet(['--set', 'corpus'])).out);
    expect(explicit).toEqual(corpus);
    expect(corpus.get('en')?.reports).not.toBe(HELDOUT_FLOOR.en.reports);
  }, 60_000);

  it('--misses names the held-out report of each miss', async () => {
    const r = await evalSet(['--set', 'heldout', '--misses']);
    const misses = r.out.filter((line) => /^ho-(en|zh)-\d{3}\s+(extra|missed)\s/.test(line));
    expect(misses.length).toBeGreaterThan(0);
    expect(r.out.some((line) => /^(en|zh)-\d{3}\s/.test(line))).toBe(false);
  }, 60_000);

  it('an unknown set is bad usage (exit 2), naming the option and the sets', async () => {
    const r = await evalSet(['--set', 'training']);
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/^--set must be one of corpus, heldout, got "training"\n/);
    expect(r.out).toEqual([]);
  });

  it('the rule loader does not read heldout/ as rule files', async () => {
    const rules = await loadRules(BUNDLED_RULES_DIR);
    expect(rules.sets.filter((s) => s.file.includes('heldout/'))).toEqual([]);
    expect(rules.sets.some((s) => s.file === 'reports/en.json')).toBe(true);
  });
});
