/**
 * The loader refuses a faulty rule directory, naming the file and the JSON path
 * (design.md section 2). Each test copies the bundled rules into a tmp folder and breaks one file.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUNDLED_RULES_DIR } from '../../src/config.js';
import { RulesLoadError, loadRules } from '../../src/rules/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'onfh-rules-'));
  await cp(BUNDLED_RULES_DIR, dir, { recursive: true, filter: (src) => !src.split(/[/\\]/).includes('cases') });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Json = Record<string, unknown>;

async function edit(file: string, change: (json: Json) => void, saveAs = file): Promise<void> {
  const json = JSON.parse(await readFile(join(dir, file), 'utf8')) as Json;
  change(json);
  await writeFile(join(dir, saveAs), JSON.stringify(json, null, 2));
}

async function refusal(): Promise<RulesLoadError> {
  try {
    await loadRules(dir);
  } catch (e) {
    if (e instanceof RulesLoadError) return e;
    throw e;
  }
  throw new Error('the rules loaded');
}

const at = (xs: unknown, i: number): Json => (xs as Json[])[i] as Json;

describe('loadRules refuses, naming file and JSON path', () => {
  it('loads the bundled rules, with the sha256 of each file', async () => {
    const rules = await loadRules(dir);
    expect(rules.modalities).toHaveLength(28);
    expect(rules.sets.find((s) => s.id === 'arco-2019')).toMatchObject({ version: '2025.1.0', status: 'active', file: 'staging/arco-2019.json' });
    expect(rules.sets.every((s) => /^[0-9a-f]{64}$/.test(s.sha256))).toBe(true);
  });

  it('skips cases/, schema/ and corpus/ folders (report corpora are data, not rule files)', async () => {
    await mkdir(join(dir, 'reports', 'corpus'), { recursive: true });
    await writeFile(join(dir, 'reports', 'corpus', 'report-1.json'), JSON.stringify({ text: 'MRI left hip', kind: 'not-a-kind' }));
    const rules = await loadRules(dir);
    expect(rules.sets.some((s) => s.file.includes('corpus'))).toBe(false);
  });

  it('an unknown fact name', async () => {
    await edit('staging/arco-2019.json', (j) => { at(j.stages, 1).when = { '>': [{ var: 'colapse-depth' }, 2] }; });
    const e = await refusal();
    expect(e.faults).toContainEqual({ file: 'staging/arco-2019.json', path: '$.stages[1].when.>[0].var', message: 'unknown fact name "colapse-depth"' });
    expect(e.message).toContain('staging/arco-2019.json at $.stages[1].when.>[0].var');
  });

  it('a derived fact that reads one worked out after it (the engine works them out in order)', async () => {
    await edit('facts/derived-facts.json', (j) => {
      const facts = j.facts as Json[];
      // size-category (first, findings phase) made to read small-or-medium-lesion (listed later)
      at(facts, 0).value = { if: [{ var: 'small-or-medium-lesion' }, 'small', null] };
      // a findings-phase fact reading a stage-phase one
      at(facts, 1).value = { var: 'pre-collapse' };
    });
    const e = await refusal();
    expect(e.faults).toContainEqual({
      file: 'facts/derived-facts.json',
      path: '$.facts[0].value',
      message: 'derived fact "size-category" reads "small-or-medium-lesion", which is listed after it; derived facts are worked out in order (findings phase, then stage)',
    });
    expect(e.faults).toContainEqual({
      file: 'facts/derived-facts.json',
      path: '$.facts[1].value',
      message: 'derived fact "collapse" reads "pre-collapse", a stage-phase fact worked out after the findings phase; derived facts are worked out in order (findings phase, then stage)',
    });
  });

  it('an unknown modality id', async () => {
    await edit('modalities/gl2025-modalities.json', (j) => { at(j.modalities, 0).modality = 'health-educaton'; });
    const e = await refusal();
    expect(e.faults).toContainEqual(expect.objectContaining({ file: 'modalities/gl2025-modalities.json', path: '$.modalities[0].modality' }));
    expect(e.message).toMatch(/unknown modality id "health-educaton"/);
  });

  it('an unknown modality in an order check status', async () => {
    await edit('order-checks/order-checks.json', (j) => { at(j.checks, 2).when = { '==': [{ var: 'status.core-decompresion' }, 'consider'] }; });
    const e = await refusal();
    expect(e.faults).toContainEqual(expect.objectContaining({ file: 'order-checks/order-checks.json', path: '$.checks[2].when.==[0].var' }));
  });

  it('a bad stage code, as a stage and as a literal compared with the stage', async () => {
    await edit('staging/chinese-2025.json', (j) => { at(j.stages, 1).stage = 'IIII'; });
    await edit('surgery/conservative-care.json', (j) => { at(j.indications, 0).when = { in: [{ var: 'arco-stage' }, ['1', '3']] }; });
    await edit('surgery/surgical-evaluation.json', (j) => { at(j.indications, 2).when = { '===': ['IIII', { var: 'chinese-stage' }] }; });
    const e = await refusal();
    expect(e.faults).toContainEqual(expect.objectContaining({ file: 'staging/chinese-2025.json', path: '$.stages[1].stage' }));
    expect(e.faults).toContainEqual(expect.objectContaining({ file: 'surgery/conservative-care.json', path: '$.indications[0].when.in[1][1]', message: expect.stringContaining('"3"') as unknown }));
    expect(e.faults).toContainEqual(expect.objectContaining({ file: 'surgery/surgical-evaluation.json', path: '$.indications[2].when.===[0]' }));
  });

  it('two active versions of one id', async () => {
    await edit('follow-up/imaging-follow-up.json', (j) => { j.version = '2025.9.9'; }, 'follow-up/imaging-follow-up-2.json');
    const e = await refusal();
    expect(e.faults).toContainEqual(expect.objectContaining({ path: '$.status', message: expect.stringContaining('two active versions of "imaging-follow-up"') as unknown }));
  });

  it('a retired old version beside the active one loads', async () => {
    await edit('follow-up/imaging-follow-up.json', (j) => { j.version = '2025.0.9'; j.status = 'retired'; }, 'follow-up/imaging-follow-up-old.json');
    const rules = await loadRules(dir);
    // the active version is whatever the bundled file says (rules/README.md: bumped with each change)
    const active = rules.active.find((r) => r.id === 'imaging-follow-up');
    expect(active?.version).toMatch(/^2025\.\d+\.\d+$/);
    expect(rules.active).not.toContainEqual({ id: 'imaging-follow-up', version: '2025.0.9' });
  });

  it('an unknown JSON Logic operator', async () => {
    await edit('surgery/surgical-evaluation.json', (j) => { at(j.indications, 2).when = { eval: ['1'] }; });
    const e = await refusal();
    expect(e.faults).toContainEqual({ file: 'surgery/surgical-evaluation.json', path: '$.indications[2].when.eval', message: 'unknown JSON Logic operator "eval"' });
  });

  it('a test with == (json-logic-engine: null == 0 and null == false are true)', async () => {
    await edit('surgery/surgical-evaluation.json', (j) => { at(j.indications, 2).when = { '==': [{ var: 'collapse-depth' }, null] }; });
    const e = await refusal();
    expect(e.faults).toContainEqual(expect.objectContaining({ file: 'surgery/surgical-evaluation.json', path: '$.indications[2].when.==', message: expect.stringContaining('===') as unknown }));
  });

  it('a missing source, on the file and on a rule', async () => {
    await edit('risk-factors/risk-factors.json', (j) => { delete j.source; });
    await edit('surgery/conservative-care.json', (j) => { delete at(j.indications, 1).source; });
    const e = await refusal();
    expect(e.faults).toContainEqual(expect.objectContaining({ file: 'risk-factors/risk-factors.json', path: '$.source' }));
    expect(e.faults).toContainEqual(expect.objectContaining({ file: 'surgery/conservative-care.json', path: '$.indications[1].source' }));
  });

  it('an interpretation without its why, an unknown kind, broken JSON', async () => {
    await edit('surgery/conservative-care.json', (j) => { at(j.indications, 0).basis = 'interpretation'; });
    await writeFile(join(dir, 'extra.json'), JSON.stringify({ id: 'x', version: '2025.1.0', status: 'draft', kind: 'magic', source: {} }));
    await writeFile(join(dir, 'broken.json'), '{ "id": ');
    const e = await refusal();
    expect(e.faults).toContainEqual(expect.objectContaining({ file: 'surgery/conservative-care.json', path: '$.indications[0].why' }));
    expect(e.faults).toContainEqual(expect.objectContaining({ file: 'extra.json', path: '$.kind' }));
    expect(e.faults).toContainEqual(expect.objectContaining({ file: 'broken.json', path: '$', message: expect.stringContaining('not valid JSON') as unknown }));
  });

  it('a bad value set (validated by the facts module schema)', async () => {
    await edit('valuesets/devices.json', (j) => { j.version = 'one'; });
    const e = await refusal();
    expect(e.faults).toContainEqual(expect.objectContaining({ file: 'valuesets/devices.json', path: '$.version' }));
  });

  it('a missing modality', async () => {
    await rm(join(dir, 'modalities/core-decompression.json'));
    const e = await refusal();
    expect(e.message).toMatch(/no active rule for modalities core-decompression/);
  });
});
