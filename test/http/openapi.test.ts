import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPENAPI_FILE, renderOpenApi } from '../../scripts/openapi.js';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../src/config.js';

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>>;
}

describe('OpenAPI document', () => {
  it('is committed as openapi/openapi.json and matches the code (run `npm run openapi` after changing a route)', async () => {
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(await renderOpenApi());
  });

  it('is served at /openapi.json and documents each CDS Hooks route with its status codes', async () => {
    const app = await buildApp(testConfig());
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    await app.close();
    expect(res.statusCode).toBe(200);
    const doc = res.json<OpenApi>();
    expect(doc.openapi).toMatch(/^3\./);
    const call = doc.paths['/cds-services/{id}']?.post;
    expect(Object.keys(call?.responses ?? {}).sort()).toEqual(['200', '400', '401', '404', '412', '413', '429', '500', '503']);
    expect(call?.requestBody).toBeDefined();
    expect(Object.keys(doc.paths['/cds-services/{id}/feedback']?.post?.responses ?? {})).toContain('400');
    expect(doc.paths['/cds-services']?.get?.responses['200']).toBeDefined();
    expect(doc.paths['/readyz']?.get?.responses['503']).toBeDefined();
  });
});
