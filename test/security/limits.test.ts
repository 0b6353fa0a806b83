/**
 * Limits and headers (issue 5, item 5): per-client rate limit → 429, load shedding → 503 with
 * Retry-After, security headers for a JSON API, CORS for listed origins only, and the
 * foundation's body limit (413) and JSON depth limit (400) seen through the secured app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hookBody, startApp, startBareApp, type AppUnderTest } from './app.js';
import { defaultClaims, EHR_ISS, HOOK_PATH, makeKey, signJwt, writeClientsFile, type TestKey } from './helpers.js';

const OTHER_ISS = 'https://other-ehr.example.org';
const SANDBOX_ORIGIN = 'https://sandbox.cds-hooks.org';

let ehrKey: TestKey;
let otherKey: TestKey;
let clientsFile: string;

beforeAll(async () => {
  [ehrKey, otherKey] = await Promise.all([makeKey('ES384'), makeKey('RS384')]);
  clientsFile = writeClientsFile({
    clients: [
      { iss: EHR_ISS, jwks: { keys: [ehrKey.publicJwk] }, fhirServers: [] },
      { iss: OTHER_ISS, jwks: { keys: [otherKey.publicJwk] }, fhirServers: [] },
    ],
  });
});

const bearer = async (key: TestKey, iss = EHR_ISS): Promise<string> => `Bearer ${await signJwt(key, defaultClaims({ iss }))}`;

describe('rate limit per client', () => {
  let under: AppUnderTest;
  beforeAll(async () => {
    under = await startApp({ CDS_CLIENTS_FILE: clientsFile, RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' });
  });
  afterAll(async () => {
    await under.app.close();
  });

  const call = async (authorization?: string) =>
    under.app.inject({ method: 'POST', url: HOOK_PATH, headers: authorization ? { authorization } : {}, payload: hookBody() });

  it('answers 429 with Retry-After once a client has spent its budget; another client is unaffected', async () => {
    for (let i = 0; i < 3; i++) expect((await call(await bearer(ehrKey))).statusCode).toBe(200);
    const limited = await call(await bearer(ehrKey));
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toEqual({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'throttled', details: { text: 'Too Many Requests' } }] });
    expect((await call(await bearer(otherKey, OTHER_ISS))).statusCode).toBe(200);
  });

  it('limits failed attempts by IP, so guessing costs the guesser', async () => {
    for (let i = 0; i < 3; i++) expect((await call('Bearer a.b.c')).statusCode).toBe(401);
    expect((await call('Bearer a.b.c')).statusCode).toBe(429);
    // Probes are never limited.
    expect((await under.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});

describe('load shedding', () => {
  it('answers 503 with Retry-After under pressure, but keeps answering the liveness probe', async () => {
    const under = await startBareApp(
      { CDS_CLIENTS_FILE: clientsFile },
      { underPressure: { healthCheck: () => Promise.resolve(false), healthCheckInterval: 60_000 } },
    );
    try {
      const res = await under.app.inject({ method: 'POST', url: HOOK_PATH, headers: { authorization: await bearer(ehrKey) }, payload: hookBody() });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.json()).toEqual({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient', details: { text: 'Service Unavailable' } }] });
      expect((await under.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await under.app.close();
    }
  });
});

describe('headers and CORS', () => {
  let under: AppUnderTest;
  beforeAll(async () => {
    under = await startApp({ CDS_CLIENTS_FILE: clientsFile, CORS_ORIGINS: SANDBOX_ORIGIN });
  });
  afterAll(async () => {
    await under.app.close();
  });

  it('sets security headers for a JSON API, and no-store on patient answers', async () => {
    const res = await under.app.inject({ method: 'POST', url: HOOK_PATH, headers: { authorization: await bearer(ehrKey) }, payload: hookBody() });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('answers the preflight of a listed origin (the sandbox) with Authorization allowed', async () => {
    const res = await under.app.inject({
      method: 'OPTIONS',
      url: HOOK_PATH,
      headers: { origin: SANDBOX_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(SANDBOX_ORIGIN);
    expect(String(res.headers['access-control-allow-headers'])).toMatch(/Authorization/);
    expect(String(res.headers['access-control-allow-methods'])).toMatch(/POST/);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('lets the listed origin read a hook answer, and gives no CORS header to another origin', async () => {
    const listed = await under.app.inject({ method: 'POST', url: HOOK_PATH, headers: { origin: SANDBOX_ORIGIN, authorization: await bearer(ehrKey) }, payload: hookBody() });
    expect(listed.statusCode).toBe(200);
    expect(listed.headers['access-control-allow-origin']).toBe(SANDBOX_ORIGIN);
    const other = await under.app.inject({ method: 'GET', url: '/cds-services', headers: { origin: 'https://evil.example.com' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('body limits through the secured app (the foundation engineer\'s limits)', () => {
  let under: AppUnderTest;
  beforeAll(async () => {
    under = await startApp({ CDS_CLIENTS_FILE: clientsFile, BODY_LIMIT_BYTES: '4096', MAX_JSON_DEPTH: '16' });
  });
  afterAll(async () => {
    await under.app.close();
  });

  it('an oversize body: 401 without a token (the body is not read), 413 with one', async () => {
    const big = hookBody({ extension: { padding: 'x'.repeat(10_000) } });
    expect((await under.app.inject({ method: 'POST', url: HOOK_PATH, payload: big })).statusCode).toBe(401);
    const res = await under.app.inject({ method: 'POST', url: HOOK_PATH, headers: { authorization: await bearer(ehrKey) }, payload: big });
    expect(res.statusCode).toBe(413);
    expect(res.json<{ issue: { details: { text: string } }[] }>().issue[0]?.details.text).toMatch(/too large/);
  });

  it('deeply nested JSON: 400', async () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 40; i++) deep = { d: deep };
    const res = await under.app.inject({
      method: 'POST',
      url: HOOK_PATH,
      headers: { authorization: await bearer(ehrKey), 'content-type': 'application/json' },
      payload: JSON.stringify(hookBody({ extension: deep })),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ issue: { details: { text: string } }[] }>().issue[0]?.details.text).toMatch(/nesting deeper than 16 levels/);
  });
});
