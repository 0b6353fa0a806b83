/**
 * What the rules present as the guideline's and what as the project's reading (rules/README.md:
 * `"basis": "interpretation"` with one sentence of why, `"secondary source"` for what only a
 * secondary source says). The clinical reviewer's labelling findings, one assertion each.
 */
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
