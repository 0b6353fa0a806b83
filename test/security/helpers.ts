/**
 * Test fixtures for the trust work (issue 5): keys generated here, a JWK Set and a FHIR server
 * served by node:http on 127.0.0.1 (each counting the requests it gets), a clients file in a
 * temporary folder, and a JWT factory.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTHeaderParameters } from 'jose';

export const PUBLIC_BASE_URL = 'https://cds.example.org';
export const HOOK_PATH = '/cds-services/onfh-patient-view';
export const HOOK_AUD = `${PUBLIC_BASE_URL}${HOOK_PATH}`;
export const FEEDBACK_PATH = `${HOOK_PATH}/feedback`;
export const EHR_ISS = 'https://ehr.example.org/';

export interface TestKey {
  readonly alg: 'ES384' | 'RS384';
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export async function makeKey(alg: 'ES384' | 'RS384', kid = `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicJwk };
}

/** A local HTTP server answering from a mutable route table and counting every request by path. */
export class LocalServer {
  readonly hits = new Map<string, number>();
  readonly requests: { path: string; authorization: string | undefined }[] = [];
  readonly routes = new Map<string, { status: number; body: unknown }>();
  private server: Server | undefined;
  base = '';

  async start(): Promise<this> {
    this.server = createServer((req: IncomingMessage, res) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
      this.requests.push({ path, authorization: req.headers.authorization });
      const route = this.routes.get(path);
      res.writeHead(route?.status ?? 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(route?.body ?? { error: 'not found' }));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.base = `http://127.0.0.1:${port}`;
    return this;
  }

  count(path: string): number {
    return this.hits.get(path) ?? 0;
  }

  total(): number {
    return [...this.hits.values()].reduce((a, b) => a + b, 0);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }
}

/** Writes a clients file to a fresh temporary folder; returns its path. */
export function writeClientsFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'onfh-clients-'));
  const path = join(dir, 'cds-clients.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

/** Claims: undefined removes a default claim. */
export type Claims = Record<string, unknown>;

export function defaultClaims(overrides: Claims = {}, nowS = Math.floor(Date.now() / 1000)): Claims {
  const claims: Claims = { iss: EHR_ISS, aud: HOOK_AUD, iat: nowS, exp: nowS + 300, jti: randomUUID(), ...overrides };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) Reflect.deleteProperty(claims, k);
  return claims;
}

export async function signJwt(key: TestKey, claims: Claims = defaultClaims(), header: Partial<JWTHeaderParameters> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header }).sign(key.privateKey);
}

export function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Collects every log line written by the app. */
export class LogSink extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
  records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}
