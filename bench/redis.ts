/**
 * What REDIS_URL adds to a hook call (issue 22 item 3): the jti reservation and the rate-limit
 * increment of one call go to Redis in one pipelined round trip (src/auth/shared-state.ts).
 *
 *     npx tsx bench/redis.ts        (also run at the end of `npm run bench`)
 *
 * A real redis-server on 127.0.0.1 (as the tests start it) behind a counting TCP relay; two apps
 * in this process, AUTH_MODE=jwt, the same small patient-view call with a fresh signed JWT each
 * (tokens signed beforehand): one app in-process, one with REDIS_URL. They alternate in rounds,
 * so both see the same machine noise. Reported: p50 per call of each, the difference (target
 * ≤ 0.3 ms on loopback), a bare Redis PING round trip for scale, and the writes the relay saw
 * per call (1 = the two commands went in one pipeline).
 */
import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { buildApp } from '../src/app.js';
import { testConfig } from '../src/config.js';
import { RedisServer } from '../test/support/redis-server.js';
import { EHR_ISS, HOOK_AUD, HOOK_PATH, PUBLIC_BASE_URL, defaultClaims, makeKey, signJwt, writeClientsFile } from '../test/security/helpers.js';
import { hookBody } from '../test/security/app.js';

const ROUNDS = 6;
const CALLS_PER_ROUND = 300;

/** Relays to Redis and counts the chunks the clients wrote. */
async function countingRelay(targetPort: number): Promise<{ port: number; writes: () => number; close: () => Promise<void> }> {
  let writes = 0;
  const sockets: Socket[] = [];
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.push(client, upstream);
    client.on('data', () => {
      writes += 1;
    });
    client.pipe(upstream).pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    writes: () => writes,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

const p50 = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

export interface RedisBench {
  readonly inProcessP50Ms: number;
  readonly redisP50Ms: number;
  readonly addedP50Ms: number;
  readonly pingP50Ms: number;
  readonly writesPerCall: number;
  readonly calls: number;
}

export async function benchRedis(): Promise<RedisBench> {
  const redis = await RedisServer.start();
  const relay = await countingRelay(redis.port);
  const key = await makeKey('ES384');
  const clientsFile = writeClientsFile({ clients: [{ iss: EHR_ISS, jwks: { keys: [key.publicJwk] }, fhirServers: [] }] });
  const env = { AUTH_MODE: 'jwt', PUBLIC_BASE_URL, CDS_CLIENTS_FILE: clientsFile, RATE_LIMIT_MAX: '1000000' } as const;
  const local = await buildApp(testConfig(env));
  const shared = await buildApp(testConfig({ ...env, REDIS_URL: `redis://127.0.0.1:${String(relay.port)}` }));
  const ping = new Redis(redis.url);
  try {
    const payload = JSON.stringify(hookBody());
    const tokens = async (n: number): Promise<string[]> => Promise.all(Array.from({ length: n }, () => signJwt(key, defaultClaims({ aud: HOOK_AUD, jti: randomUUID() }))));
    const run = async (app: typeof local, batch: string[]): Promise<number[]> => {
      const times: number[] = [];
      for (const token of batch) {
        const start = performance.now();
        const res = await app.inject({ method: 'POST', url: HOOK_PATH, payload, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
        times.push(performance.now() - start);
        if (res.statusCode !== 200) throw new Error(`bench call answered ${String(res.statusCode)}: ${res.body.slice(0, 200)}`);
      }
      return times;
    };
    // Warm both (JIT, key import, Redis scripts loaded).
    await run(local, await tokens(200));
    await run(shared, await tokens(200));
    const localTimes: number[] = [];
    const sharedTimes: number[] = [];
    let writes = 0;
    for (let round = 0; round < ROUNDS; round++) {
      localTimes.push(...(await run(local, await tokens(CALLS_PER_ROUND))));
      const batch = await tokens(CALLS_PER_ROUND);
      const before = relay.writes();
      sharedTimes.push(...(await run(shared, batch)));
      writes += relay.writes() - before;
    }
    const pings: number[] = [];
    for (let i = 0; i < 500; i++) {
      const start = performance.now();
      await ping.ping();
      pings.push(performance.now() - start);
    }
    const inProcessP50Ms = p50(localTimes);
    const redisP50Ms = p50(sharedTimes);
    return { inProcessP50Ms, redisP50Ms, addedP50Ms: redisP50Ms - inProcessP50Ms, pingP50Ms: p50(pings.slice(100)), writesPerCall: writes / sharedTimes.length, calls: sharedTimes.length };
  } finally {
    ping.disconnect();
    await local.close();
    await shared.close();
    await relay.close();
    await redis.stop();
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const r = await benchRedis();
  const f = (n: number): string => n.toFixed(3);
  console.log(`REDIS_URL, ${String(r.calls)} hook calls each (alternating rounds): p50 in-process ${f(r.inProcessP50Ms)} ms, with Redis ${f(r.redisP50Ms)} ms, added ${f(r.addedP50Ms)} ms (target ≤ 0.3); a bare PING p50 ${f(r.pingP50Ms)} ms; writes to Redis per call ${r.writesPerCall.toFixed(2)}`);
}
