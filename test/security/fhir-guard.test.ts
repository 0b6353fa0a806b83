/**
 * The service calls a FHIR server, and sends it the client's access token, only when it is
 * listed for the calling client (issue 5, item 4). Checked twice: through buildApp with a local
 * FHIR server that counts the requests it gets, and on fhirServerRefusal itself for URL tricks.
 */
import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirServerRefusal, isWithinFhirServer } from '../../src/auth/index.js';
import { hookBody, securityConfig, startApp, type AppUnderTest } from './app.js';
import { defaultClaims, EHR_ISS, LocalServer, makeKey, signJwt, writeClientsFile, type TestKey } from './helpers.js';

const ACCESS_TOKEN = 'fhir-access-token-3b1f0c9e-SECRET';

describe('through the app: no outbound call to an unlisted FHIR server', () => {
  let listed: LocalServer;
  let unlisted: LocalServer;
  let key: TestKey;
  let under: AppUnderTest;

  beforeAll(async () => {
    key = await makeKey('ES384');
    listed = await new LocalServer().start();
    unlisted = await new LocalServer().start();
    const file = writeClientsFile({ clients: [{ iss: EHR_ISS, jwks: { keys: [key.publicJwk] }, fhirServers: [`${listed.base}/fhir/`] }] });
    under = await startApp({ CDS_CLIENTS_FILE: file });
  });
  afterAll(async () => {
    await under.app.close();
    await listed.stop();
    await unlisted.stop();
  });

  /** A call with no prefetch at all: every key must be fetched from fhirServer. */
  async function callWithFhirServer(fhirServer: string) {
    const body = hookBody({ fhirServer, fhirAuthorization: { access_token: ACCESS_TOKEN, token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'onfh-cds' } });
    delete body.prefetch;
    return under.app.inject({ method: 'POST', url: '/cds-services/onfh-patient-view', headers: { authorization: `Bearer ${await signJwt(key, defaultClaims())}` }, payload: body });
  }

  it('an unlisted fhirServer: 412, and the server never hears from us', async () => {
    const res = await callWithFhirServer(`${unlisted.base}/fhir`);
    expect(res.statusCode).toBe(412);
    expect(res.json<{ resourceType: string }>().resourceType).toBe('OperationOutcome');
    expect(unlisted.total()).toBe(0);
  });

  it('a look-alike of the listed server (another port, a longer path) gets nothing either', async () => {
    expect((await callWithFhirServer(`${listed.base}/fhir-evil`)).statusCode).toBe(412);
    expect((await callWithFhirServer(`${listed.base}/fhir/../other`)).statusCode).toBe(412);
    expect(listed.total()).toBe(0);
  });

  it('the listed server (trailing slash or not) is called, with the access token', async () => {
    await callWithFhirServer(`${listed.base}/fhir`);
    expect(listed.total()).toBeGreaterThan(0);
    expect(listed.requests.every((r) => r.path.startsWith('/fhir/') && r.authorization === `Bearer ${ACCESS_TOKEN}`)).toBe(true);
    expect(unlisted.total()).toBe(0);
  });
});

describe('fhirServerRefusal, AUTH_MODE=jwt', () => {
  const config = securityConfig({ CDS_CLIENTS_FILE: '/unused' });
  const asClient = (fhirServers: string[]): FastifyRequest =>
    ({ cdsClient: { iss: EHR_ISS, tenant: undefined, jti: 'j', fhirServers } }) as unknown as FastifyRequest;
  const request = asClient(['https://ehr.example.org/fhir', 'http://127.0.0.1:8080/fhir']);
  const refusal = (url: string) => fhirServerRefusal(request, url, config);

  it('allows the listed servers, whatever the case of the host or a trailing slash', () => {
    expect(refusal('https://ehr.example.org/fhir')).toBeNull();
    expect(refusal('https://EHR.Example.ORG/fhir/')).toBeNull();
    expect(refusal('https://ehr.example.org:443/fhir')).toBeNull();
    expect(refusal('http://127.0.0.1:8080/fhir')).toBeNull();
  });

  it('refuses prefix and suffix tricks', () => {
    expect(refusal('https://ehr.example.org.evil.com/fhir')).toBe('fhirServer is not listed for this CDS client');
    expect(refusal('https://ehr.example.org/fhir.evil')).not.toBeNull();
    expect(refusal('https://ehr.example.org/fhir/../admin')).not.toBeNull();
    expect(refusal('https://ehr.example.org/fhirX')).not.toBeNull();
    expect(refusal('https://ehr.example.org/FHIR')).not.toBeNull();
    expect(refusal('https://ehr.example.org:8443/fhir')).not.toBeNull();
    expect(refusal('https://ehr.example.org@evil.com/fhir')).not.toBeNull();
    expect(refusal('https://user:pw@ehr.example.org/fhir')).not.toBeNull();
    expect(refusal('https://ehr.example.org/fhir?redirect=https://evil.com')).not.toBeNull();
    expect(refusal('https://ehr.example.org/fhir#x')).not.toBeNull();
  });

  it('refuses plain http (a listed host over http is not the listed server), and non-http schemes', () => {
    expect(refusal('http://ehr.example.org/fhir')).toBe('fhirServer must use https');
    expect(refusal('ftp://ehr.example.org/fhir')).not.toBeNull();
    expect(refusal('file:///etc/passwd')).not.toBeNull();
    expect(refusal('/fhir')).not.toBeNull();
    // Loopback over http only when that exact server is listed.
    expect(refusal('http://127.0.0.1:9999/fhir')).not.toBeNull();
    expect(refusal('http://localhost:8080/fhir')).not.toBeNull();
  });

  it('refuses everything when no client was authenticated', () => {
    const anonymous = { cdsClient: null } as unknown as FastifyRequest;
    expect(fhirServerRefusal(anonymous, 'https://ehr.example.org/fhir', config)).toBe('no authenticated CDS client for this request');
  });

  it('refuses everything for a client that lists no FHIR server', () => {
    expect(fhirServerRefusal(asClient([]), 'https://ehr.example.org/fhir', config)).not.toBeNull();
  });
});

describe('fhirServerRefusal, AUTH_MODE=none', () => {
  const anonymous = { cdsClient: null } as unknown as FastifyRequest;

  it('an empty FHIR_SERVER_ALLOWLIST allows loopback FHIR servers only: no remote server, https or not', () => {
    const config = securityConfig({ AUTH_MODE: 'none' });
    expect(fhirServerRefusal(anonymous, 'https://anywhere.example.org/fhir', config)).toBe('fhirServer is not a loopback server and FHIR_SERVER_ALLOWLIST is empty');
    expect(fhirServerRefusal(anonymous, 'http://localhost:8080/fhir', config)).toBeNull();
    expect(fhirServerRefusal(anonymous, 'https://127.0.0.1:8443/fhir', config)).toBeNull();
    expect(fhirServerRefusal(anonymous, 'http://anywhere.example.org/fhir', config)).toBe('fhirServer must use https');
  });

  it('a non-empty FHIR_SERVER_ALLOWLIST allows only its servers', () => {
    const config = securityConfig({ AUTH_MODE: 'none', FHIR_SERVER_ALLOWLIST: 'https://ehr.example.org/fhir/, http://127.0.0.1:8080/fhir' });
    expect(fhirServerRefusal(anonymous, 'https://ehr.example.org/fhir', config)).toBeNull();
    expect(fhirServerRefusal(anonymous, 'http://127.0.0.1:8080/fhir/', config)).toBeNull();
    expect(fhirServerRefusal(anonymous, 'https://ehr.example.org.evil.com/fhir', config)).toBe('fhirServer is not in FHIR_SERVER_ALLOWLIST');
    expect(fhirServerRefusal(anonymous, 'http://127.0.0.1:8081/fhir', config)).not.toBeNull();
  });
});

describe('isWithinFhirServer (for next links and other URLs the FHIR server hands back)', () => {
  it('accepts the base and what lies below it, nothing else', () => {
    expect(isWithinFhirServer('https://ehr.example.org/fhir?_getpages=abc', 'https://ehr.example.org/fhir')).toBe(true);
    expect(isWithinFhirServer('https://EHR.example.org/fhir/Patient?page=2', 'https://ehr.example.org/fhir/')).toBe(true);
    expect(isWithinFhirServer('https://ehr.example.org/fhir2/Patient', 'https://ehr.example.org/fhir')).toBe(false);
    expect(isWithinFhirServer('https://ehr.example.org.evil.com/fhir/Patient', 'https://ehr.example.org/fhir')).toBe(false);
    expect(isWithinFhirServer('http://ehr.example.org/fhir/Patient', 'https://ehr.example.org/fhir')).toBe(false);
    expect(isWithinFhirServer('https://evil@ehr.example.org/fhir/Patient', 'https://ehr.example.org/fhir')).toBe(false);
  });
});
