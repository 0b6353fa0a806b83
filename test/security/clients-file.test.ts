/**
 * CDS_CLIENTS_FILE and the other trust settings are checked at start (issue 5, items 1 and 3):
 * a bad file stops the start with a message naming the file and the field.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSecurity, securityStatus } from '../../src/auth/index.js';
import { parseClients } from '../../src/auth/clients.js';
import { ConfigError } from '../../src/config.js';
import { securityConfig, startApp, hookBody, type Env } from './app.js';
import { HOOK_PATH, LogSink, makeKey, writeClientsFile, type TestKey } from './helpers.js';

let key: TestKey;
beforeAll(async () => {
  key = await makeKey('ES384');
});

async function startWith(env: Env): Promise<void> {
  const app = Fastify({ logger: false });
  try {
    await registerSecurity(app, securityConfig(env));
  } finally {
    await app.close();
  }
}

const goodClient = (): Record<string, unknown> => ({ iss: 'https://ehr.example.org', jwks: { keys: [key.publicJwk] }, fhirServers: ['https://ehr.example.org/fhir'] });

async function expectStartRefused(file: unknown, field: RegExp): Promise<void> {
  const path = writeClientsFile(file);
  const start = startWith({ CDS_CLIENTS_FILE: path });
  await expect(start).rejects.toThrow(ConfigError);
  await expect(startWith({ CDS_CLIENTS_FILE: path })).rejects.toThrow(field);
}

describe('a bad clients file stops the start, naming the field', () => {
  it('AUTH_MODE=jwt without CDS_CLIENTS_FILE', async () => {
    await expect(startWith({})).rejects.toThrow(/CDS_CLIENTS_FILE: required with AUTH_MODE=jwt/);
  });

  it('a file that does not exist, or is not JSON', async () => {
    await expect(startWith({ CDS_CLIENTS_FILE: '/nonexistent/cds-clients.json' })).rejects.toThrow(/cannot be read: ENOENT/);
    await expectStartRefused('{ "clients": [ ', /is not valid JSON/);
  });

  it('a client without iss', async () => {
    await expectStartRefused({ clients: [{ ...goodClient(), iss: undefined }] }, /clients\[0\]\.iss/);
  });

  it('a client without keys', async () => {
    await expectStartRefused({ clients: [{ iss: 'https://ehr.example.org', fhirServers: [] }] }, /clients\[0\]: give the client's keys/);
  });

  it('a key URL over plain http to another host', async () => {
    await expectStartRefused({ clients: [{ ...goodClient(), jwks: undefined, jwksUrl: 'http://ehr.example.org/jwks.json' }] }, /clients\[0\]\.jwksUrl: must use https/);
    await expectStartRefused({ clients: [{ ...goodClient(), jku: ['http://ehr.example.org/jwks.json'] }] }, /clients\[0\]\.jku\[0\]: must use https/);
  });

  it('a FHIR server over plain http to another host, or with a query', async () => {
    await expectStartRefused({ clients: [{ ...goodClient(), fhirServers: ['https://ok.example.org', 'http://ehr.example.org/fhir'] }] }, /clients\[0\]\.fhirServers\[1\]: must use https/);
    await expectStartRefused({ clients: [{ ...goodClient(), fhirServers: ['https://ehr.example.org/fhir?x=1'] }] }, /clients\[0\]\.fhirServers\[0\]/);
  });

  it('a misspelt field (unknown keys are refused)', async () => {
    await expectStartRefused({ clients: [{ ...goodClient(), jwksURL: 'https://ehr.example.org/jwks' }] }, /clients\[0\].*jwksURL/);
  });

  it('the same iss twice', async () => {
    await expectStartRefused({ clients: [goodClient(), goodClient()] }, /clients\[1\]\.iss: "https:\/\/ehr\.example\.org" is listed twice/);
  });

  it('a private key among the public keys', async () => {
    await expectStartRefused({ clients: [{ ...goodClient(), jwks: { keys: [{ ...key.publicJwk, d: 'secret' }] } }] }, /clients\[0\]\.jwks\.keys\[0\]: a private key/);
  });

  it('an inline key that does not import', async () => {
    await expectStartRefused({ clients: [{ ...goodClient(), jwks: { keys: [{ ...key.publicJwk, x: 'AAAA' }] } }] }, /clients\[0\]\.jwks\.keys\[0\]: not a usable ES384 public key/);
  });

  it('an empty tenants list', async () => {
    await expectStartRefused({ clients: [{ ...goodClient(), tenants: [] }] }, /clients\[0\]\.tenants: list at least one tenant/);
  });

  it('a bad FHIR_SERVER_ALLOWLIST entry (AUTH_MODE=none)', async () => {
    await expect(startWith({ AUTH_MODE: 'none', FHIR_SERVER_ALLOWLIST: 'https://ok.example.org,http://ehr.example.org' })).rejects.toThrow(
      /FHIR_SERVER_ALLOWLIST\[1\]/,
    );
  });
});

describe('the shipped example', () => {
  it('examples/cds-clients.example.json is a valid clients file, with the CDS Hooks sandbox in it', () => {
    const path = new URL('../../examples/cds-clients.example.json', import.meta.url);
    const clients = parseClients(JSON.parse(readFileSync(path, 'utf8')), 'example');
    const sandbox = clients.find((c) => c.iss === 'https://sandbox.cds-hooks.org');
    expect(sandbox?.jku).toEqual(['https://sandbox.cds-hooks.org/.well-known/jwks.json']);
    expect(sandbox?.tenants).toBeUndefined();
  });
});

describe('AUTH_MODE=none', () => {
  let under: Awaited<ReturnType<typeof startApp>>;
  afterAll(async () => {
    await under.app.close();
  });

  it('warns at start, shows it in securityStatus, and lets hook calls through without a token', async () => {
    under = await startApp({ AUTH_MODE: 'none' });
    const warning = under.logs.records().find((r) => typeof r.msg === 'string' && r.msg.startsWith('AUTH_MODE=none'));
    expect(warning?.level).toBe(40);
    expect(securityStatus(under.app)).toMatchObject({ authMode: 'none', trustedClients: 0 });
    expect(securityStatus(under.app).warnings[0]).toMatch(/JWTs are NOT checked/);
    const res = await under.app.inject({ method: 'POST', url: HOOK_PATH, payload: hookBody() });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ cards: [] });
  });

  it('AUTH_MODE=jwt shows the number of trusted clients and no warning', async () => {
    const logs = new LogSink();
    const app = Fastify({ logger: { level: 'info', stream: logs } });
    await registerSecurity(app, securityConfig({ CDS_CLIENTS_FILE: writeClientsFile({ clients: [goodClient()] }) }));
    expect(securityStatus(app)).toEqual({ authMode: 'jwt', trustedClients: 1, warnings: [] });
    expect(logs.records().some((r) => r.level === 40)).toBe(false);
    await app.close();
  });
});
