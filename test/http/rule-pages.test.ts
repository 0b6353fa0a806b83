/**
 * GET /rules/{id} (design.md section 8): the public page of a rule set that a card's source.url
 * opens. What a reader sees: title, version, status, sha256, the guideline, each rule with its
 * citation and basis; every text escaped, no script.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { BUNDLED_RULES_DIR, testConfig } from '../../src/config.js';
import { loadRules } from '../../src/rules/index.js';

interface Page {
  id: string; title: string; version: string; status: string; sha256: string;
  guideline: { title: string; edition: string; publisher: string; licence: string };
  rules: { rule: string; citation: string; basis: string; why?: string }[];
}

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildApp(testConfig());
});
afterAll(async () => {
  await app.close();
});

describe('GET /rules/{id}', () => {
  it('answers JSON with Accept: application/json: the version and sha256 GET /rules shows, the guideline, each rule with citation and basis', async () => {
    const list = (await app.inject({ url: '/rules' })).json<{ ruleSets: { id: string; version: string; sha256: string; status: string }[] }>();
    const loaded = list.ruleSets.find((s) => s.id === 'gl2025-modalities');
    const res = await app.inject({ url: '/rules/gl2025-modalities', headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const page = res.json<Page>();
    expect(page).toMatchObject({ id: 'gl2025-modalities', version: loaded?.version, sha256: loaded?.sha256, status: 'active' });
    expect(page.guideline).toMatchObject({
      title: 'Clinical Guideline for Non-Surgical Treatment of Osteonecrosis of the Femoral Head (2025 Edition)',
      edition: '2025', publisher: 'Science Publishing Group', licence: 'CC BY 4.0',
    });
    const eswtPregnancy = page.rules.find((r) => r.rule === 'eswt — pregnancy');
    expect(eswtPregnancy).toMatchObject({ citation: 'clinical-spec.md 14 (pregnancy)', basis: 'interpretation' });
    expect(eswtPregnancy?.why).toMatch(/shock-wave/);
    expect(page.rules.find((r) => r.rule.startsWith('zoledronic-acid'))).toMatchObject({ citation: 'GL2025 Table 6', basis: 'source' });
  });

  it('answers an HTML page by default, with the same content, a CSP that allows no script, and no script tag', async () => {
    const res = await app.inject({ url: '/rules/imaging-follow-up', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'");
    expect(res.body).not.toMatch(/<script/i);
    expect(res.body).toContain('<h1>Imaging follow-up: imaging-follow-up</h1>');
    expect(res.body).toContain('Licence <a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>');
    // the ARCO 1 reconciliation, with its basis and why (issue 19)
    expect(res.body).toContain('every 6 months — ARCO stage 1: MRI every 6 months (the 3-monthly cadence is that of radiographs)');
    expect(res.body).toMatch(/class="basis-interpretation">interpretation</);
  });

  it('404 with an OperationOutcome naming the id for a rule set that is not loaded', async () => {
    const res = await app.inject({ url: '/rules/no-such-rules', headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(404);
    expect(res.json<{ issue: { details: { text: string } }[] }>().issue[0]?.details.text).toBe('no rule set "no-such-rules" is loaded (GET /rules lists them)');
  });
});

describe('GET /rules/{id} with a site rules folder', () => {
  let dir: string;
  let site: FastifyInstance;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'onfh-rules-'));
    await cp(BUNDLED_RULES_DIR, dir, { recursive: true });
    const file = join(dir, 'valuesets', 'pregnancy.json');
    const json = JSON.parse(await readFile(file, 'utf8')) as { title: string; valueSets: { pregnancy: { display?: string }[] } };
    json.title = 'Site <script>alert(1)</script> codes';
    const first = json.valueSets.pregnancy[0];
    if (first) first.display = '"><img src=x onerror=alert(1)>';
    await writeFile(file, JSON.stringify(json));
    site = await buildApp(testConfig(), { rules: await loadRules(dir) });
  });
  afterAll(async () => {
    await site.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('escapes every text of a rule file in the HTML page', async () => {
    const res = await site.inject({ url: '/rules/pregnancy' });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<script>');
    expect(res.body).not.toContain('<img');
    expect(res.body).toContain('<h1>Site &#60;script&#62;alert(1)&#60;/script&#62; codes</h1>');
  });

  it('shows no rules of a file changed on disk since it was loaded: the page shows only what runs', async () => {
    const rules = await loadRules(dir);
    const file = join(dir, 'valuesets', 'hip-replacement.json');
    await writeFile(file, `${await readFile(file, 'utf8')}\n`);
    const late = await buildApp(testConfig(), { rules });
    try {
      const json = await late.inject({ url: '/rules/hip-replacement', headers: { accept: 'application/json' } });
      expect(json.json<Page>().rules).toEqual([]);
      const html = await late.inject({ url: '/rules/hip-replacement' });
      expect(html.body).toContain('The rules of this file are not shown: the file changed since it was loaded.');
      const unchanged = await late.inject({ url: '/rules/pregnancy', headers: { accept: 'application/json' } });
      expect(unchanged.json<Page>().rules.length).toBeGreaterThan(0);
    } finally {
      await late.close();
    }
  });
});
