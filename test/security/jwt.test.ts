/**
 * CDS client JWTs on hook and feedback calls (issue 5, item 2; CDS Hooks 2.0 "Trusting CDS
 * Clients"). Every refusal must be a bare 401 whose body says only "Unauthorized" while the log
 * says why.
 */
import { decodeJwt, exportSPKI, importJWK, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedbackBody, hookBody, startApp, type AppUnderTest } from './app.js';
import {
  b64url,
  defaultClaims,
  EHR_ISS,
  FEEDBACK_PATH,
  HOOK_AUD,
  HOOK_PATH,
  LocalServer,
  makeKey,
  PUBLIC_BASE_URL,
  signJwt,
  writeClientsFile,
  type TestKey,
} from './helpers.js';

const TENANTED_ISS = 'https://tenanted-ehr.example.org';

let keys: LocalServer;
let es: TestKey;
let rs: TestKey;
let jkuKey: TestKey;
let strangerKey: TestKey;
let tenantKey: TestKey;
let under: AppUnderTest;

beforeAll(async () => {
  [es, rs, jkuKey, strangerKey, tenantKey] = await Promise.all([
    makeKey('ES384'),
    makeKey('RS384'),
    makeKey('ES384'),
    makeKey('ES384'),
    makeKey('RS384'),
  ]);
  keys = await new LocalServer().start();
  keys.routes.set('/jwks.json', { status: 200, body: { keys: [es.publicJwk, rs.publicJwk] } });
  keys.routes.set('/listed-jku.json', { status: 200, body: { keys: [jkuKey.publicJwk] } });
  keys.routes.set('/attacker-jku.json', { status: 200, body: { keys: [strangerKey.publicJwk] } });
  const file = writeClientsFile({
    clients: [
      { iss: EHR_ISS, jwksUrl: `${keys.base}/jwks.json`, jku: [`${keys.base}/listed-jku.json`], fhirServers: [] },
      { iss: TENANTED_ISS, jwks: { keys: [tenantKey.publicJwk] }, tenants: ['hospital-a'], fhirServers: [] },
    ],
  });
  under = await startApp({ CDS_CLIENTS_FILE: file, JWT_CLOCK_SKEW_S: '60' });
});

afterAll(async () => {
  await under.app.close();
  await keys.stop();
});

const nowS = (): number => Math.floor(Date.now() / 1000);

async function callHook(authorization: string | undefined, path = HOOK_PATH, body: unknown = hookBody()) {
  return under.app.inject({
    method: 'POST',
    url: path,
    headers: authorization === undefined ? {} : { authorization },
    payload: body as Record<string, unknown>,
  });
}

async function expectUnauthorized(authorization: string | undefined, reason: string, path = HOOK_PATH): Promise<void> {
  const before = under.logs.lines.length;
  const res = await callHook(authorization, path);
  expect(res.statusCode).toBe(401);
  expect(res.headers['www-authenticate']).toBe('Bearer');
  // No detail for the caller: the same body whatever went wrong.
  expect(res.json()).toEqual({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', details: { text: 'Unauthorized' } }] });
  const logged = under.logs.records().slice(before).find((r) => r.msg === 'CDS client authentication failed: answered 401');
  expect(logged?.auth).toMatchObject({ reason });
}

describe('accepted tokens', () => {
  it('accepts a valid ES384 token and answers the hook call', async () => {
    const res = await callHook(`Bearer ${await signJwt(es)}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ cards: [] });
    // The service's one line per hook call names the authenticated client.
    const hookLine = under.logs.records().find((r) => r.msg === 'hook call');
    expect(hookLine?.cdsClient).toMatchObject({ iss: EHR_ISS });
  });

  it('accepts a valid RS384 token', async () => {
    const res = await callHook(`Bearer ${await signJwt(rs)}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ cards: [] });
  });

  it('accepts an aud array that contains this endpoint among others', async () => {
    const token = await signJwt(es, defaultClaims({ aud: ['https://other.example.org/cds-services/x', HOOK_AUD] }));
    expect((await callHook(`Bearer ${token}`)).statusCode).toBe(200);
  });

  it('tolerates extra claims and an exp just past within the clock skew', async () => {
    const token = await signJwt(es, defaultClaims({ exp: nowS() - 30, iat: nowS() - 120, 'https://example.org/extra': { any: 'thing' } }));
    expect((await callHook(`Bearer ${token}`)).statusCode).toBe(200);
  });

  it('accepts a feedback call whose aud is the feedback endpoint', async () => {
    const token = await signJwt(es, defaultClaims({ aud: `${PUBLIC_BASE_URL}${FEEDBACK_PATH}` }));
    const res = await callHook(`Bearer ${token}`, FEEDBACK_PATH, feedbackBody());
    expect(res.statusCode).toBe(200);
  });

  it('uses the keys of a jku the client lists', async () => {
    const token = await signJwt(jkuKey, defaultClaims(), { jku: `${keys.base}/listed-jku.json` });
    expect((await callHook(`Bearer ${token}`)).statusCode).toBe(200);
    expect(keys.count('/listed-jku.json')).toBe(1);
  });

  it('accepts the listed tenant of a client that lists tenants (keys given inline)', async () => {
    const token = await signJwt(tenantKey, defaultClaims({ iss: TENANTED_ISS, tenant: 'hospital-a' }));
    expect((await callHook(`Bearer ${token}`)).statusCode).toBe(200);
  });

  it('leaves discovery open: GET /cds-services needs no token', async () => {
    const res = await under.app.inject({ method: 'GET', url: '/cds-services' });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ services: { id: string }[] }>().services.map((s) => s.id)).toContain('onfh-patient-view');
  });
});

describe('refused tokens (401, reason in the log only)', () => {
  it('no Authorization header', async () => {
    await expectUnauthorized(undefined, 'no-authorization-header');
  });

  it('an Authorization header that is not Bearer', async () => {
    await expectUnauthorized('Basic dXNlcjpwYXNz', 'not-bearer');
  });

  it('alg none (unsigned)', async () => {
    const header = b64url({ alg: 'none', typ: 'JWT', kid: es.kid });
    await expectUnauthorized(`Bearer ${header}.${b64url(defaultClaims())}.`, 'malformed-token');
    // …and with a junk signature part, so the header itself is what is refused.
    await expectUnauthorized(`Bearer ${header}.${b64url(defaultClaims())}.AAAA`, 'algorithm-refused');
  });

  it('HS256 signed with the public key as the HMAC secret (algorithm confusion)', async () => {
    const pem = await exportSPKI((await importJWK(rs.publicJwk, 'RS384', { extractable: true })) as CryptoKey);
    const token = await new SignJWT(defaultClaims()).setProtectedHeader({ alg: 'HS256', kid: rs.kid, typ: 'JWT' }).sign(new TextEncoder().encode(pem));
    await expectUnauthorized(`Bearer ${token}`, 'algorithm-refused');
  });

  it('ES256 (not one of ES384, RS384)', async () => {
    const key = await makeKey('ES384');
    const token = `${b64url({ alg: 'ES256', kid: key.kid, typ: 'JWT' })}.${b64url(defaultClaims())}.AAAA`;
    await expectUnauthorized(`Bearer ${token}`, 'algorithm-refused');
  });

  it('expired', async () => {
    const token = await signJwt(es, defaultClaims({ iat: nowS() - 900, exp: nowS() - 600 }));
    await expectUnauthorized(`Bearer ${token}`, 'expired');
  });

  it('nbf in the future (beyond the clock skew)', async () => {
    const token = await signJwt(es, defaultClaims({ nbf: nowS() + 600 }));
    await expectUnauthorized(`Bearer ${token}`, 'not-yet-valid');
  });

  it('iat in the future, or older than the accepted token age', async () => {
    await expectUnauthorized(`Bearer ${await signJwt(es, defaultClaims({ iat: nowS() + 600, exp: nowS() + 900 }))}`, 'issued-in-future');
    await expectUnauthorized(`Bearer ${await signJwt(es, defaultClaims({ iat: nowS() - 7200, exp: nowS() + 300 }))}`, 'expired');
  });

  it('wrong aud (another service of this host, another host, the discovery URL)', async () => {
    await expectUnauthorized(`Bearer ${await signJwt(es, defaultClaims({ aud: `${PUBLIC_BASE_URL}/cds-services/onfh-order-sign` }))}`, 'wrong-audience');
    await expectUnauthorized(`Bearer ${await signJwt(es, defaultClaims({ aud: 'https://evil.example.com/cds-services/onfh-patient-view' }))}`, 'wrong-audience');
    await expectUnauthorized(`Bearer ${await signJwt(es, defaultClaims({ aud: `${PUBLIC_BASE_URL}/cds-services` }))}`, 'wrong-audience');
  });

  it('a hook token used on the feedback endpoint', async () => {
    await expectUnauthorized(`Bearer ${await signJwt(es)}`, 'wrong-audience', FEEDBACK_PATH);
  });

  it('unknown iss', async () => {
    await expectUnauthorized(`Bearer ${await signJwt(es, defaultClaims({ iss: 'https://unknown-ehr.example.org' }))}`, 'unknown-issuer');
  });

  it('a trusted iss signed with a key that is not its own (kid of another client)', async () => {
    const token = await signJwt(tenantKey, defaultClaims({ iss: EHR_ISS }));
    await expectUnauthorized(`Bearer ${token}`, 'unknown-kid');
  });

  it('unknown kid: refused; the JWK Set is not refetched while in its cooldown', async () => {
    await callHook(`Bearer ${await signJwt(es)}`); // keys cached
    const fetchesBefore = keys.count('/jwks.json');
    const token = await signJwt(strangerKey, defaultClaims());
    await expectUnauthorized(`Bearer ${token}`, 'unknown-kid');
    await expectUnauthorized(`Bearer ${await signJwt(strangerKey, defaultClaims())}`, 'unknown-kid');
    expect(keys.count('/jwks.json')).toBe(fetchesBefore);
  });

  it('missing kid', async () => {
    const token = await new SignJWT(defaultClaims()).setProtectedHeader({ alg: 'ES384', typ: 'JWT' }).sign(es.privateKey);
    await expectUnauthorized(`Bearer ${token}`, 'missing-kid');
  });

  it('a jku the client does not list: refused and never fetched', async () => {
    const token = await signJwt(strangerKey, defaultClaims(), { jku: `${keys.base}/attacker-jku.json` });
    await expectUnauthorized(`Bearer ${token}`, 'jku-not-listed');
    expect(keys.count('/attacker-jku.json')).toBe(0);
  });

  it('a replayed jti (the same token twice)', async () => {
    const token = await signJwt(es);
    expect((await callHook(`Bearer ${token}`)).statusCode).toBe(200);
    await expectUnauthorized(`Bearer ${token}`, 'replayed-jti');
    // …and a new token reusing the jti.
    const { jti } = decodeJwt(token);
    const again = await signJwt(rs, defaultClaims({ jti }));
    await expectUnauthorized(`Bearer ${again}`, 'replayed-jti');
  });

  it('missing jti, missing iat, missing exp', async () => {
    await expectUnauthorized(`Bearer ${await signJwt(es, defaultClaims({ jti: undefined }))}`, 'missing-claim');
    await expectUnauthorized(`Bearer ${await signJwt(es, defaultClaims({ iat: undefined }))}`, 'missing-claim');
    await expectUnauthorized(`Bearer ${await signJwt(es, defaultClaims({ exp: undefined }))}`, 'missing-claim');
  });

  it('a tampered payload (signature of another payload)', async () => {
    const [header, , signature] = (await signJwt(es)).split('.');
    const tampered = `${header ?? ''}.${b64url(defaultClaims({ tenant: 'someone-else', exp: nowS() + 86_400 }))}.${signature ?? ''}`;
    await expectUnauthorized(`Bearer ${tampered}`, 'bad-signature');
  });

  it('a tenant the client does not list, or no tenant when the client lists tenants', async () => {
    await expectUnauthorized(`Bearer ${await signJwt(tenantKey, defaultClaims({ iss: TENANTED_ISS, tenant: 'hospital-b' }))}`, 'tenant-refused');
    await expectUnauthorized(`Bearer ${await signJwt(tenantKey, defaultClaims({ iss: TENANTED_ISS }))}`, 'tenant-refused');
  });

  it('a typ other than JWT', async () => {
    await expectUnauthorized(`Bearer ${await signJwt(es, defaultClaims(), { typ: 'at+jwt' })}`, 'typ-refused');
  });

  it('garbage in place of a token', async () => {
    await expectUnauthorized('Bearer not-a-jwt', 'malformed-token');
    await expectUnauthorized(`Bearer ${'a'.repeat(20_000)}.b.c`, 'malformed-token');
  });

  it('cannot be slipped past by spelling the path differently', async () => {
    const variants = [
      '/cds%2Dservices/onfh-patient-view',
      '/CDS-SERVICES/onfh-patient-view',
      '//cds-services//onfh-patient-view',
      '/cds-services/onfh-patient-view/',
      '/cds-services/onfh%2Dpatient-view',
      '/cds-services/onfh-patient-view?x=1',
      '/cds-services/onfh-patient-view%2Ffeedback',
      '/x/../cds-services/onfh-patient-view',
    ];
    for (const path of variants) {
      const res = await callHook(undefined, path);
      expect([401, 404], path).toContain(res.statusCode);
    }
  });

  it('refuses an unknown service too, before saying it does not exist', async () => {
    await expectUnauthorized(undefined, 'no-authorization-header', '/cds-services/no-such-service');
    await expectUnauthorized(undefined, 'no-authorization-header', '/cds-services/no/such/route');
  });
});
