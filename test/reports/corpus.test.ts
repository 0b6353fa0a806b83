/**
 * `onfh-cds reports eval` on the corpus of rules/reports/corpus/ (issue 17 item 4): precision and
 * recall per language on the distinct (side, finding, certainty, value) tuples of each report,
 * at least 0.95 and 0.90 (clinical-spec.md 12), on at least 60 English and 30 Chinese reports.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';

async function evalCorpus(): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['reports', 'eval'], { out: (t) => out.push(t), err: (t) => err.push(t), today: () => '2026-12-06' });
  return { code, out, err };
}

describe('onfh-cds reports eval', () => {
  it('reaches precision 0.95 and recall 0.90 in each language, and exits 0', async () => {
    const r = await evalCorpus();
    const rows = new Map(r.out.flatMap((line) => {
      const m = /^(en|zh)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s/.exec(line);
      return m ? [[m[1], { reports: Number(m[2]), precision: Number(m[3]), recall: Number(m[4]) }] as const] : [];
    }));
    expect(rows.get('en')?.reports ?? 0).toBeGreaterThanOrEqual(60);
    expect(rows.get('zh')?.reports ?? 0, 'Chinese corpus reports').toBeGreaterThanOrEqual(30);
    for (const [lang, row] of rows) {
      expect(row.precision, `${lang} precision`).toBeGreaterThanOrEqual(0.95);
      expect(row.recall, `${lang} recall`).toBeGreaterThanOrEqual(0.9);
    }
    expect(r.out.some((line) => /^en\s+onfh\s+[\d.]+\s+[\d.]+/.test(line))).toBe(true);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
  }, 60_000);
});
