/**
 * The console's server side (src/http/console.ts): off without ADMIN_TOKEN, the admin API's
 * guard and answers, and the static files' CSP, cache headers and compression.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { BUNDLED_RULES_DIR, ConfigError, loadConfig, testConfig } from '../../src/config.js';
import { CONSOLE_CSP, CONSOLE_DIST_DIR } from '../../src/http/console.js';

const TOKEN = 'console-server-test-admin-token-abcdefghij';
const auth = { authorization: `Bearer ${TOKEN}` };
const issueText = (body: string): string => (JSON.parse(body) as { issue: { details: { text: string } }[] }).issue.map((i) => i.details.text).join('; ');

describe('console off (ADMIN_TOKEN unset)', () => {
  it('answers 404 for the console and the admin API', async () => {
    const app = await buildApp(testConfig());
    for (const url of ['/console', '/console/', '/console/index.html', '/admin/api/rule-sets']) {
      const res = await app.inject({ url, headers: auth });
      expect(res.statusCode, url).toBe(404);
    }
    expect((await app.inject({ method: 'POST', url: '/admin/api/cards', headers: auth, payload: {} })).statusCode).toBe(404);
    await app.close();
  });

  it('refuses an ADMIN_TOKEN shorter than 32 characters at start, naming it', () => {
    expect(() => loadConfig({ ADMIN_TOKEN: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ ADMIN_TOKEN: 'short' })).toThrow(/ADMIN_TOKEN: .*32/);
  });
});

describe('console on', () => {
  let app: FastifyInstance;
  const logs: string[] = [];

  beforeAll(async () => {
      const logStream = new Writable({ write(chunk: Buffer, _enc, done) { logs.push(chunk.toString()); done(); } });
    app = await buildApp(testConfig({ ADMIN_TOKEN: TOKEN, RULES_DIR: BUNDLED_RULES_DIR, LOG_LEVEL: 'debug' }), { logStream });
  });
  afterAll(async () => {
    await app.close();
  });

  it('serves index.html with a strict CSP and no-cache; it holds no inline script or style', async () => {
    const redirect = await app.inject({ url: '/console' });
    expect(redirect.statusCode).toBe(301);
    expect(redirect.headers.location).toBe('/console/');
    const res = await app.inject({ url: '/console/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.body).not.toMatch(/\sstyle=/);
    expect(res.body).not.toMatch(/<style/);
  });

  it('serves hashed assets as immutable, compressed with br or gzip as asked', async () => {
    const index = readFileSync(join(CONSOLE_DIST_DIR, 'index.html'), 'utf8');
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(index)?.[1];
    expect(script).toBeDefined();
    const file = readFileSync(join(CONSOLE_DIST_DIR, (script ?? '').replace('/console/', '')));
    const br = await app.inject({ url: script ?? '', headers: { 'accept-encoding': 'br, gzip' } });
    expect(br.statusCode).toBe(200);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.rawPayload.length).toBeLessThan(file.length / 2);
    expect(brotliDecompressSync(br.rawPayload).equals(file)).toBe(true);
    const gz = await app.inject({ url: script ?? '', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).equals(file)).toBe(true);
    const missing = await app.inject({ url: '/console/assets/nothing-here.js' });
    expect(missing.statusCode).toBe(404);
  });

  it('guards the admin API with the Bearer admin token (401 with a message otherwise)', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token-wrong-token' }, { authorization: `Basic ${TOKEN}` }]) {
      const res = await app.inject({ url: '/admin/api/rule-sets', headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(issueText(res.body)).toBe('Unauthorized');
    }
    expect(logs.join('')).not.toContain(TOKEN);
  });

  it('GET /admin/api/rule-sets: every loaded rule set with its cited rules, and the cases beside them', async () => {
    const res = await app.inject({ url: '/admin/api/rule-sets', headers: auth });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ ruleSets: { id: string; sha256: string; rules: { label: string; source: string; basis: string | null }[] }[]; cases: { file: string; description: string; fires: boolean }[] }>();
    const loaded = (await app.inject({ url: '/rules' })).json<{ ruleSets: { id: string; sha256: string }[] }>();
    expect(body.ruleSets.map((s) => [s.id, s.sha256])).toEqual(loaded.ruleSets.map((s) => [s.id, s.sha256]));
    const arco = body.ruleSets.find((s) => s.id === 'arco-2019');
    const arcoFile = JSON.parse(readFileSync(join(BUNDLED_RULES_DIR, 'staging', 'arco-2019.json'), 'utf8')) as { stages: { stage: string; source: string }[] };
    for (const row of arcoFile.stages) expect(arco?.rules).toContainEqual(expect.objectContaining({ label: `stage ${row.stage}`, source: row.source }));
    const one = body.cases.find((c) => c.file.startsWith('staging/cases/'));
    expect(one).toBeDefined();
    const onDisk = JSON.parse(readFileSync(join(BUNDLED_RULES_DIR, one?.file ?? ''), 'utf8')) as { description: string };
    expect(one?.description).toBe(onDisk.description);
    expect(one?.fires).toBe((one?.file.split('/').at(-1) ?? '').startsWith('in-'));
    expect(res.body).not.toContain('"bundle"');
  });

  it('POST /admin/api/cards: a Bundle of two patients is refused with the reason; the next call answers cards', async () => {
    const two = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Patient', id: 'a' } }, { resource: { resourceType: 'Patient', id: 'b' } }] };
    const refused = await app.inject({ method: 'POST', url: '/admin/api/cards', headers: auth, payload: { bundle: two } });
    expect(refused.statusCode).toBe(400);
    expect(issueText(refused.body)).toBe("bundle: the Bundle holds 2 Patient resources (a, b); send one patient's resources");
    const bundle = JSON.parse(readFileSync(new URL('../../examples/assessment-bundle.json', import.meta.url), 'utf8')) as unknown;
    const ok = await app.inject({ method: 'POST', url: '/admin/api/cards', headers: auth, payload: { bundle, now: '2026-11-21' } });
    expect(ok.statusCode).toBe(200);
    const cards = ok.json<{ cards: { summary: string }[] }>().cards;
    expect(cards.map((c) => c.summary)).toContain('Order radiographs: follow-up of the right hip overdue since 2026-09-05');
    const noToken = await app.inject({ method: 'POST', url: '/admin/api/cards', payload: { bundle } });
    expect(noToken.statusCode).toBe(401);
  });
});
