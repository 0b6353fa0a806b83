/** The admin API's guard and inputs (the answers themselves: test/store/store.test.ts, on both backends). */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig, testConfig } from '../../src/config.js';
import { adminTokenMatches } from '../../src/http/admin-routes.js';

const TOKEN = 'admin-token-for-tests-0123456789abcdef';
const ROUTES = ['/admin/api/decisions', '/admin/api/feedback-summary'];
const text = (body: string) => (JSON.parse(body) as { issue: { details: { text: string } }[] }).issue[0]?.details.text;

describe('admin API without ADMIN_TOKEN', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildApp(testConfig());
  });
  afterAll(() => app.close());

  it.each(ROUTES)('%s answers 404, with or without a token', async (url) => {
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}` }]) {
      const res = await app.inject({ method: 'GET', url, headers });
      expect(res.statusCode).toBe(404);
    }
  });
});

describe('admin API with ADMIN_TOKEN (store off)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildApp(testConfig({ ADMIN_TOKEN: TOKEN }));
  });
  afterAll(() => app.close());
  const get = (url: string, authorization?: string) => app.inject({ method: 'GET', url, headers: authorization === undefined ? {} : { authorization } });

  it.each(ROUTES)('%s: 401 without a token, with a wrong one, with the token not as Bearer', async (url) => {
    for (const auth of [undefined, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, TOKEN, 'Bearer ']) {
      const res = await get(url, auth);
      expect(res.statusCode).toBe(401);
      expect(text(res.body)).toBe('Unauthorized');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it.each(ROUTES)('%s: the right token and no store → 503 saying so', async (url) => {
    const res = await get(url, `Bearer ${TOKEN}`);
    expect(res.statusCode).toBe(503);
    expect(text(res.body)).toBe('the decision store is off or unavailable');
  });

  it('names a bad date, a reversed range and a bad limit (400)', async () => {
    const auth = `Bearer ${TOKEN}`;
    const bad = await get('/admin/api/feedback-summary?from=2026-13-01', auth);
    expect(bad.statusCode).toBe(400);
    expect(text(bad.body)).toMatch(/^from: /);
    const reversed = await get('/admin/api/feedback-summary?from=2026-11-02&to=2026-11-01', auth);
    expect(reversed.statusCode).toBe(400);
    expect(text(reversed.body)).toBe('from: 2026-11-02 is after to 2026-11-01');
    const limit = await get('/admin/api/decisions?limit=0', auth);
    expect(limit.statusCode).toBe(400);
    expect(text(limit.body)).toMatch(/^limit: /);
  });
});

describe('admin and store settings', () => {
  it('compares the whole token', () => {
    expect(adminTokenMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(adminTokenMatches(`bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(adminTokenMatches(`Bearer ${TOKEN.slice(0, 31)}`, TOKEN)).toBe(false);
    expect(adminTokenMatches(undefined, TOKEN)).toBe(false);
  });

  it('refuses an ADMIN_TOKEN under 32 characters and production without PSEUDONYM_KEY, naming the variable', () => {
    expect(() => loadConfig({ ADMIN_TOKEN: 'short' })).toThrow(/ADMIN_TOKEN: .*32/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/PSEUDONYM_KEY: is required when NODE_ENV=production/);
    expect(loadConfig({ NODE_ENV: 'production', PSEUDONYM_KEY: 'k'.repeat(32) }).DATA_DIR).toBe('./data');
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must be a postgres/);
  });
});
