/**
 * What the rules present as the guideline's and what as the project's reading (rules/README.md:
 * `"basis": "interpretation"` with one sentence of why, `"secondary source"` for what only a
 * secondary source says). The clinical reviewer's labelling findings, one assertion each.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_RULES_DIR } from '../../src/config.js';
import { loadRules } from '../../src/rules/index.js';

const rules = await loadRules(BUNDLED_RULES_DIR);
const modality = (id: string) => {
  const m = rules.modalities.find((x) => x.modality === id);
  if (!m) throw new Error(`no modality ${id}`);
  return m;
};

describe('core decompression contraindications', () => {
  it('malignancy, immune, infection and organ failure are the spec extending Table 4 (its PRP/cell/ozone/RF row), so interpretation', () => {
    const cd = modality('core-decompression');
    for (const reason of ['active malignancy', 'severe immune or hematologic disorder', 'uncontrolled infection', 'organ failure']) {
      const c = cd.contraindications.find((x) => x.reason === reason);
      expect(c?.basis, reason).toBe('interpretation');
      expect(c?.why, reason).toMatch(/extends/);
    }
  });
  it('the minimally invasive interventions keep them as GL2025 Table 4 says them', () => {
    const c = modality('prp').contraindications.find((x) => x.reason === 'active malignancy');
    expect(c?.basis).toBeUndefined();
    expect(c?.source).toBe('GL2025 Table 4');
  });
});

describe('progression risk (clinical-spec.md 10)', () => {
  const row = (id: string) => rules.progressionRisk.find((p) => p.id === id);
  it('JIC type and Kerboul angle are not the seeds\' word: interpretation, with why', () => {
    for (const id of ['jic-type', 'kerboul-angle']) {
      expect(row(id)?.basis, id).toBe('interpretation');
      expect(row(id)?.why, id).toBeDefined();
    }
  });
  it('effusion, marrow edema and size > 30 % cite SMALL first, as a secondary source', () => {
    for (const id of ['bone-marrow-edema', 'joint-effusion', 'large-lesion']) {
      expect(row(id)?.source, id).toMatch(/^SMALL/);
      expect(row(id)?.basis, id).toBe('secondary source');
    }
  });
});

describe('stages and intervals the seeds do not pin down', () => {
  it('"Stage I–III" read as Chinese stages is interpretation; the TCM capsules say why I–III (Table 4 Medication row)', async () => {
    const file = JSON.parse(await readFile(join(BUNDLED_RULES_DIR, 'modalities/gl2025-modalities.json'), 'utf8')) as {
      modalities: { modality: string; appliesTo?: { label: string; basis?: string; why?: string } }[];
    };
    const staged = file.modalities.filter((m) => m.appliesTo !== undefined);
    expect(staged.length).toBeGreaterThan(10);
    for (const m of staged) expect(m.appliesTo?.basis, m.modality).toBe('interpretation');
    for (const id of ['xianling-gubao', 'tongluo-shenggu', 'gutouyusheng']) {
      expect(file.modalities.find((m) => m.modality === id)?.appliesTo?.why, id).toMatch(/Medication row/);
    }
  });
  it('"first 6 months" and "stable = 12 months" of the follow-up interval are interpretation (FAQ: "at the beginning", "more stable")', () => {
    const first = rules.followUp.interval.find((r) => r.reason.includes('first 6 months'));
    const stable = rules.followUp.interval.find((r) => r.months === 12);
    expect(first?.basis).toBe('interpretation');
    expect(stable?.basis).toBe('interpretation');
  });
});
