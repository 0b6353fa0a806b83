import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../src/config.js';

describe('GET /healthz, GET /readyz', () => {
  it('is alive and ready once started, and not before', async () => {
    const app = await buildApp(testConfig());
    expect(app.readiness.reasons()).toEqual(['starting']);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', security: { authMode: 'none', trustedClients: 0, warnings: [expect.stringMatching(/AUTH_MODE=none/)] } });
    await app.close();
  });

  it('is not ready while a readiness check fails (e.g. rules not loaded), nor once shutdown begins', async () => {
    const app = await buildApp(testConfig());
    let rulesLoaded = false;
    app.readiness.addCheck('rules', () => rulesLoaded);
    let res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'not-ready', reasons: ['rules'] });
    rulesLoaded = true;
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    app.readiness.shuttingDown = true;
    res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.json()).toMatchObject({ status: 'not-ready', reasons: ['shutting-down'] });
    await app.close();
  });

  it('answers unknown routes with 404 and an OperationOutcome', async () => {
    const app = await buildApp(testConfig());
    const res = await app.inject({ method: 'GET', url: '/nope?patient=123' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found', details: { text: 'no route GET /nope' } }] });
    await app.close();
  });
});
