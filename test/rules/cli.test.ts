/** onfh-cds through `npx tsx src/cli.ts` (design.md section 1: the engine offline). */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_RULES_DIR } from '../../src/config.js';

const exec = promisify(execFile);

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('npx', ['tsx', 'src/cli.ts', ...args], { cwd: join(import.meta.dirname, '../..') });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'onfh-cli-'));
  const source = JSON.parse(await readFile(join(BUNDLED_RULES_DIR, 'staging/cases/in-arco-2-xray-chinese-iia.json'), 'utf8')) as { bundle: unknown };
  await writeFile(join(dir, 'bundle.json'), JSON.stringify(source.bundle));
  await writeFile(join(dir, 'not-a-bundle.json'), JSON.stringify({ resourceType: 'Patient', id: 'x' }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('onfh-cds', () => {
  it('assess prints the Assessment for the date given', async () => {
    const r = await cli('assess', join(dir, 'bundle.json'), '--now', '2026-11-21');
    expect(r.code).toBe(0);
    const a = JSON.parse(r.stdout) as { evaluatedAt: string; inScope: boolean; hips: { stage: { arco: string } }[] };
    expect(a).toMatchObject({ evaluatedAt: '2026-11-21', inScope: true });
    expect(a.hips[0]?.stage.arco).toBe('2');
  });

  it('assess refuses a resource that is not a Bundle, with exit 1 and a message', async () => {
    const r = await cli('assess', join(dir, 'not-a-bundle.json'), '--now', '2026-11-21');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('expected a FHIR Bundle');
  });

  it('rules validate lists the rule sets; a bad --now is a usage error', async () => {
    const ok = await cli('rules', 'validate');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/active\s+arco-2019@2025\.1\.0\s+staging\/arco-2019\.json/);
    const bad = await cli('assess', join(dir, 'bundle.json'), '--now', '21/11/2026');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--now must be a date YYYY-MM-DD');
  });

  it('rules test runs the cases of a rules folder: exit 0 when all pass, 1 naming the path when one fails', async () => {
    const rulesDir = join(dir, 'rules');
    await cp(BUNDLED_RULES_DIR, rulesDir, { recursive: true, filter: (src) => !src.split(/[/\\]/).includes('cases') });
    await mkdir(join(rulesDir, 'staging/cases'));
    const good = JSON.parse(await readFile(join(BUNDLED_RULES_DIR, 'staging/cases/in-arco-2-xray-chinese-iia.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(rulesDir, 'staging/cases/in-good.json'), JSON.stringify(good));
    const pass = await cli('rules', 'test', '--rules', rulesDir);
    expect(pass.code).toBe(0);
    expect(pass.stdout).toContain('1/1 cases pass');
    await writeFile(join(rulesDir, 'staging/cases/in-bad.json'), JSON.stringify({ ...good, expect: { hips: [{ side: 'left', stage: { arco: '4' } }] } }));
    const fail = await cli('rules', 'test', '--rules', rulesDir);
    expect(fail.code).toBe(1);
    expect(fail.stderr).toContain('FAIL staging/cases/in-bad.json');
    expect(fail.stderr).toMatch(/at \$\.hips\[side=left\]\.stage\.arco: expected "4"/);
  });

  it('rules validate on a broken rules folder exits 1 naming the file', async () => {
    await writeFile(join(dir, 'x.json'), JSON.stringify({ id: 'x', version: '2025.1.0', status: 'active', kind: 'staging' }));
    const r = await cli('rules', 'validate', '--rules', dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('x.json at $.source');
  });
});
