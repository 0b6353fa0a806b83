/**
 * JWK Set fetching (issue 5, item 2): keys fetched once and cached, refetched once on an unknown
 * kid (key rotation), never hammered while the key server fails; and the replay cache over time.
 * These need injected timings, so they run on registerSecurity with stand-in routes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalReplayCache } from '../../src/auth/replay-cache.js';
import { hookBody, startBareApp, type AppUnderTest } from './app.js';
import { defaultClaims, EHR_ISS, HOOK_PATH, LocalServer, makeKey, signJwt, writeClientsFile, type TestKey } from './helpers.js';

let keys: LocalServer;
let current: TestKey;
let next: TestKey;
let clientsFile: string;

beforeAll(async () => {
  [current, next] = await Promise.all([makeKey('ES384'), makeKey('RS384')]);
  keys = await new LocalServer().start();
  keys.routes.set('/jwks.json', { status: 200, body: { keys: [current.publicJwk] } });
  keys.routes.set('/down.json', { status: 503, body: {} });
  clientsFile = writeClientsFile({
    clients: [
      { iss: EHR_ISS, jwksUrl: `${keys.base}/jwks.json`, fhirServers: [] },
      { iss: 'https://down.example.org', jwksUrl: `${keys.base}/down.json`, fhirServers: [] },
    ],
  });
});
afterAll(async () => {
  await keys.stop();
});

async function call(under: AppUnderTest, token: string) {
  return under.app.inject({ method: 'POST', url: HOOK_PATH, headers: { authorization: `Bearer ${token}` }, payload: hookBody() });
}

describe('key rotation', () => {
  it('fetches the key set once, then refetches it once for an unknown kid and accepts the new key', async () => {
    const under = await startBareApp({ CDS_CLIENTS_FILE: clientsFile }, { jwksCooldownMs: 0 });
    try {
      expect((await call(under, await signJwt(current))).statusCode).toBe(200);
      expect((await call(under, await signJwt(current))).statusCode).toBe(200);
      expect(keys.count('/jwks.json')).toBe(1);

      // The client rotates: the new key is published, a token signed with it arrives.
      keys.routes.set('/jwks.json', { status: 200, body: { keys: [current.publicJwk, next.publicJwk] } });
      const res = await call(under, await signJwt(next));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ client: EHR_ISS });
      expect(keys.count('/jwks.json')).toBe(2);

      // A kid that is nowhere: one refetch, then 401.
      const stranger = await makeKey('ES384');
      expect((await call(under, await signJwt(stranger))).statusCode).toBe(401);
      expect(keys.count('/jwks.json')).toBe(3);
    } finally {
      await under.app.close();
    }
  });
});

describe('a failing key server', () => {
  it('401, logged as jwks-unavailable, and no new fetch during the back-off', async () => {
    const under = await startBareApp({ CDS_CLIENTS_FILE: clientsFile }, { jwksFailureBackoffMs: 60_000 });
    try {
      for (let i = 0; i < 5; i++) {
        expect((await call(under, await signJwt(current, defaultClaims({ iss: 'https://down.example.org' })))).statusCode).toBe(401);
      }
      expect(keys.count('/down.json')).toBe(1);
      const refusals = under.logs.records().filter((r) => r.msg === 'CDS client authentication failed: answered 401');
      expect(refusals.map((r) => (r.auth as { reason: string }).reason)).toEqual(Array(5).fill('jwks-unavailable'));
    } finally {
      await under.app.close();
    }
  });
});

describe('replay protection over time', () => {
  it('refuses a replay until the token has expired, with an injected clock', async () => {
    let nowMs = Date.UTC(2026, 10, 21, 12, 0, 0);
    const under = await startBareApp({ CDS_CLIENTS_FILE: clientsFile, JWT_CLOCK_SKEW_S: '0' }, { now: () => nowMs });
    try {
      const iat = nowMs / 1000;
      const token = await signJwt(current, defaultClaims({ iat, exp: iat + 60 }));
      expect((await call(under, token)).statusCode).toBe(200);
      nowMs += 30_000;
      expect((await call(under, token)).statusCode).toBe(401);
    } finally {
      await under.app.close();
    }
  });

  it('bounds each issuer on its own: a full issuer is refused (fails closed), the others are not; dead entries make room', () => {
    const cache = new LocalReplayCache(2);
    const t0 = 1_000_000;
    expect(cache.reserve('iss', 'a', t0 + 60_000, t0)).toBe('fresh');
    expect(cache.reserve('iss', 'a', t0 + 60_000, t0 + 1)).toBe('replay');
    expect(cache.reserve('iss', 'b', t0 + 60_000, t0 + 2)).toBe('fresh');
    expect(cache.reserve('iss', 'c', t0 + 60_000, t0 + 3)).toBe('full');
    // Another client is not locked out by the first one's flood.
    expect(cache.reserve('other-iss', 'a', t0 + 60_000, t0 + 4)).toBe('fresh');
    expect(cache.reserve('other-iss', 'z', t0 + 60_000, t0 + 5)).toBe('fresh');
    // A released jti (its call was refused before any work) is usable again.
    cache.release('iss', 'b');
    expect(cache.reserve('iss', 'b', t0 + 60_000, t0 + 6)).toBe('fresh');
    // Past the entries' lifetime (the injected clock) they are swept and room is made.
    expect(cache.reserve('iss', 'c', t0 + 200_000, t0 + 61_000)).toBe('fresh');
    expect(cache.size('iss')).toBe(1);
    expect(cache.reserve('iss', 'a', t0 + 200_000, t0 + 61_001)).toBe('fresh');
  });
});
