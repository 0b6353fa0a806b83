/**
 * Two replicas sharing one real Redis (REDIS_URL; design.md section 7, issue 22 item 3): a token
 * used on replica A is refused on replica B, a client's rate limit holds across both, and when
 * Redis is lost each replica protects its calls in-process (no 5xx), logs it once, counts it in
 * /metrics, and shares again once Redis is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../support/redis-server.js';
import { hookBody, startApp, type AppUnderTest } from './app.js';
import { EHR_ISS, HOOK_PATH, defaultClaims, makeKey, signJwt, writeClientsFile, type TestKey } from './helpers.js';

const LIMITED_ISS = 'https://limited-ehr.example.org/';

let redis: RedisServer;
let key: TestKey;
let limitedKey: TestKey;
let a: AppUnderTest;
let b: AppUnderTest;

beforeAll(async () => {
  redis = await RedisServer.start();
  key = await makeKey('ES384');
  limitedKey = await makeKey('ES384');
  const clientsFile = writeClientsFile({
    clients: [
      { iss: EHR_ISS, jwks: { keys: [key.publicJwk] }, fhirServers: [] },
      { iss: LIMITED_ISS, jwks: { keys: [limitedKey.publicJwk] }, fhirServers: [], rateLimit: { max: 3, windowS: 60 } },
    ],
  });
  const env = { CDS_CLIENTS_FILE: clientsFile, REDIS_URL: redis.url };
  a = await startApp(env);
  b = await startApp(env);
});
afterAll(async () => {
  await a.app.close();
  await b.app.close();
  await redis.stop();
});

const call = (replica: AppUnderTest, token: string, payload: object = hookBody()) =>
  replica.app.inject({ method: 'POST', url: HOOK_PATH, payload, headers: { authorization: `Bearer ${token}` } });
const reasonsOf = (replica: AppUnderTest): string[] =>
  replica.logs.records().flatMap((r) => (r.auth ? [(r.auth as { reason: string }).reason] : []));
const events = (replica: AppUnderTest, event: string): number => replica.logs.records().filter((r) => r.event === event).length;
const metrics = async (replica: AppUnderTest): Promise<string> => (await replica.app.inject({ method: 'GET', url: '/metrics' })).body;

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('two replicas, one Redis', () => {
  it('a token used on replica A is refused on replica B', async () => {
    const token = await signJwt(key);
    expect((await call(a, token)).statusCode).toBe(200);
    const replay = await call(b, token);
    expect(replay.statusCode).toBe(401);
    expect(reasonsOf(b)).toContain('replayed-jti');
  });

  it('a token whose call A refused for its body stays usable on B', async () => {
    const token = await signJwt(key);
    expect((await call(a, token, { ...hookBody(), hook: 'order-sign' })).statusCode).toBe(400);
    expect((await call(b, token)).statusCode).toBe(200);
    expect((await call(a, token)).statusCode).toBe(401);
  });

  it("a client's rate limit holds across the replicas (3 per minute: A, B, A served, then 429 on B)", async () => {
    const statuses: number[] = [];
    for (const replica of [a, b, a, b]) statuses.push((await call(replica, await signJwt(limitedKey, defaultClaims({ iss: LIMITED_ISS })))).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(await metrics(a)).toContain('onfh_redis_up 1');
  });

  it('Redis hung (answering nothing): the call falls back after the command timeout instead of waiting, no 5xx', async () => {
    redis.pause();
    try {
      const started = performance.now();
      expect((await call(a, await signJwt(key))).statusCode).toBe(200);
      expect(performance.now() - started).toBeLessThan(5000); // sanity bound; the timeout is 250 ms
      expect(events(a, 'redis.unavailable')).toBe(1);
    } finally {
      redis.resume();
    }
    await until(() => events(a, 'redis.recovered') === 1, 'replica A to reconnect');
    a.logs.lines.length = 0;
    b.logs.lines.length = 0;
  });

  it('Redis lost: in-process protection, no 5xx, logged once, counted; shared again once Redis is back', async () => {
    await redis.stop();
    await until(async () => (await metrics(a)).includes('onfh_redis_up 0'), 'replica A to see Redis gone');

    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call(a, await signJwt(key))).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    // Replay protection still holds within the replica.
    const token = await signJwt(key);
    expect((await call(a, token)).statusCode).toBe(200);
    expect((await call(a, token)).statusCode).toBe(401);
    expect(events(a, 'redis.unavailable')).toBe(1);
    const during = await metrics(a);
    expect(during).toMatch(/onfh_redis_fallback_total\{protection="replay"\} [1-9]/);
    expect(during).toMatch(/onfh_redis_fallback_total\{protection="rate_limit"\} [1-9]/);

    await redis.start();
    await until(() => events(a, 'redis.recovered') === 1 && events(b, 'redis.recovered') === 1, 'both replicas to reconnect');
    const shared = await signJwt(key);
    expect((await call(b, shared)).statusCode).toBe(200);
    expect((await call(a, shared)).statusCode).toBe(401);
    expect(await metrics(a)).toContain('onfh_redis_up 1');
  });
});
