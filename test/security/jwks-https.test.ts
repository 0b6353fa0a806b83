/**
 * JWK Sets over https (design.md section 7, issue 22 item 4): cached, refreshed on an unknown
 * kid (throttled), served stale while the issuer's key server is down, up to JWKS_STALE_MAX_S.
 *
 * The key server is a real https server with a certificate from a CA made by the test. In the
 * service the keys are fetched with the global fetch (Node's undici), which trusts a site's CA
 * through NODE_EXTRA_CA_CERTS, read once at process start: so the last test starts the service
 * as a child process with and without it. The timing tests run in-process with an injected
 * clock and a fetch given the CA through an undici Agent (the only difference from production:
 * how the CA is trusted).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Agent, fetch as undiciFetch } from 'undici';
import type { FetchImplementation } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpsKeyServer, makeTestCa, type TestCa } from '../support/https-key-server.js';
import { hookBody, startBareApp, type AppUnderTest } from './app.js';
import { EHR_ISS, HOOK_PATH, PUBLIC_BASE_URL, defaultClaims, makeKey, signJwt, writeClientsFile, type TestKey } from './helpers.js';

let ca: TestCa;
let keys: HttpsKeyServer;
let current: TestKey;
let rotated: TestKey;
let clientsFile: string;
let agent: Agent;

beforeAll(async () => {
  ca = makeTestCa();
  [current, rotated] = await Promise.all([makeKey('ES384'), makeKey('ES384')]);
  keys = await new HttpsKeyServer(ca).start();
  keys.body = { keys: [current.publicJwk] };
  clientsFile = writeClientsFile({ clients: [{ iss: EHR_ISS, jwksUrl: keys.url, fhirServers: [] }] });
  agent = new Agent({ connect: { ca: ca.caPem } });
});
afterAll(async () => {
  await keys.stop();
  await agent.close();
});

/** undici's fetch with the test CA trusted, its answer handed on as the global Response jose expects. */
const trustingFetch: FetchImplementation = async (url, init) => {
  const answer = await undiciFetch(url, { ...init, dispatcher: agent });
  return new Response(await answer.arrayBuffer(), { status: answer.status, headers: Object.fromEntries(answer.headers.entries()) });
};

const MINUTE = 60_000;

async function call(under: AppUnderTest, key: TestKey, nowMs: number): Promise<number> {
  const iat = Math.floor(nowMs / 1000);
  const token = await signJwt(key, defaultClaims({ iat, exp: iat + 300 }));
  return (await under.app.inject({ method: 'POST', url: HOOK_PATH, headers: { authorization: `Bearer ${token}` }, payload: hookBody() })).statusCode;
}

describe('JWK Set over https, in-process with an injected clock', () => {
  it('served stale while the key server is down, up to JWKS_STALE_MAX_S; fresh again once it is back', async () => {
    let now = Date.UTC(2026, 10, 21, 8, 0, 0);
    keys.up = true;
    keys.requests = 0;
    const under = await startBareApp(
      { CDS_CLIENTS_FILE: clientsFile, JWKS_STALE_MAX_S: '3600' },
      { now: () => now, fetch: trustingFetch, jwksCacheMaxAgeMs: 10 * MINUTE, jwksFailureBackoffMs: 10_000 },
    );
    try {
      expect(await call(under, current, now)).toBe(200);
      expect(keys.requests).toBe(1);

      keys.up = false;
      now += 30 * MINUTE; // past the cache age: a refresh is tried, fails, the cached keys serve
      expect(await call(under, current, now)).toBe(200);
      expect(keys.requests).toBe(2);
      now += 20 * MINUTE;
      expect(await call(under, current, now)).toBe(200);

      now += 15 * MINUTE; // 65 min after the last good fetch > JWKS_STALE_MAX_S
      expect(await call(under, current, now)).toBe(401);
      const refusal = under.logs.records().filter((r) => r.auth).at(-1)?.auth as { reason: string; detail: string };
      expect(refusal.reason).toBe('jwks-unavailable');
      expect(refusal.detail).toContain('older than JWKS_STALE_MAX_S');

      keys.up = true;
      now += MINUTE; // past the failure back-off
      expect(await call(under, current, now)).toBe(200);
    } finally {
      await under.app.close();
    }
  });

  it('an unknown kid refreshes the set at most once per cooldown', async () => {
    let now = Date.UTC(2026, 10, 21, 8, 0, 0);
    keys.up = true;
    keys.body = { keys: [current.publicJwk] };
    keys.requests = 0;
    const under = await startBareApp({ CDS_CLIENTS_FILE: clientsFile }, { now: () => now, fetch: trustingFetch, jwksCooldownMs: 30_000 });
    try {
      expect(await call(under, current, now)).toBe(200);
      keys.body = { keys: [current.publicJwk, rotated.publicJwk] }; // the client rotates
      now += 5_000;
      expect(await call(under, rotated, now)).toBe(401); // within the cooldown: no refetch
      expect(keys.requests).toBe(1);
      now += 30_000;
      expect(await call(under, rotated, now)).toBe(200); // refetched once, the new key found
      expect(keys.requests).toBe(2);
    } finally {
      await under.app.close();
    }
  });
});

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Starts src/server.ts in a child process; resolves with its base URL. */
async function startChild(extraEnv: Record<string, string>): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0', AUTH_MODE: 'jwt', CDS_CLIENTS_FILE: clientsFile, PUBLIC_BASE_URL, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      reject(new Error(`service did not start: ${out.slice(-500)}`));
    }, 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${String(code)}: ${out.slice(-500)}`));
    });
  });
  return { child, base };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
    child.kill('SIGTERM');
  });
}

describe('JWK Set over https, the service as a process', () => {
  it('trusts the key server through NODE_EXTRA_CA_CERTS, and refuses it without; keeps the keys while the server is down', async () => {
    keys.up = true;
    keys.body = { keys: [current.publicJwk] };
    const post = async (base: string): Promise<number> => {
      const token = await signJwt(current);
      const res = await fetch(`${base}${HOOK_PATH}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(hookBody()) });
      await res.arrayBuffer();
      return res.status;
    };
    const trusting = await startChild({ NODE_EXTRA_CA_CERTS: ca.caFile });
    const untrusting = await startChild({});
    try {
      expect(await post(trusting.base)).toBe(200);
      expect(await post(untrusting.base)).toBe(401); // self-signed CA not trusted: no keys
      keys.up = false;
      expect(await post(trusting.base)).toBe(200); // cached keys
    } finally {
      keys.up = true;
      await Promise.all([stopChild(trusting.child), stopChild(untrusting.child)]);
    }
  }, 60_000);
});
