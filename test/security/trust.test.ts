/**
 * Trust fixes of issue 22 (item 2; design.md section 8): the jti is used up only by a call the
 * service accepted, the replay cache is bounded per issuer (one client cannot lock the others
 * out), and CDS_CLIENTS_FILE takes a per-client `rateLimit` and extra `audiences`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseClients } from '../../src/auth/clients.js';
import { hookBody, startApp, type AppUnderTest } from './app.js';
import { EHR_ISS, FEEDBACK_PATH, HOOK_PATH, defaultClaims, makeKey, signJwt, writeClientsFile, type TestKey } from './helpers.js';

const OTHER_ISS = 'https://other-ehr.example.org/';
const ALIAS_AUD = 'https://gateway.example-hospital.org/onfh/cds-services/onfh-patient-view';

let ehrKey: TestKey;
let otherKey: TestKey;
let under: AppUnderTest;
beforeAll(async () => {
  ehrKey = await makeKey('ES384');
  otherKey = await makeKey('RS384');
  const clientsFile = writeClientsFile({
    clients: [
      { iss: EHR_ISS, jwks: { keys: [ehrKey.publicJwk] }, fhirServers: [], audiences: [ALIAS_AUD] },
      { iss: OTHER_ISS, jwks: { keys: [otherKey.publicJwk] }, fhirServers: [], rateLimit: { max: 2, windowS: 60 } },
    ],
  });
  under = await startApp({ CDS_CLIENTS_FILE: clientsFile, RATE_LIMIT_MAX: '1000' }, { security: { replayCacheSize: 4 } });
});
afterAll(async () => {
  await under.app.close();
});

const call = (token: string, payload: object = hookBody(), url = HOOK_PATH) =>
  under.app.inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${token}` } });
const reasons = (): string[] =>
  under.logs.records().flatMap((r) => (r.auth ? [(r.auth as { reason: string }).reason] : []));

describe('a jti is used up only by a call the service accepted', () => {
  it('a call refused for its body leaves the token usable; once accepted, the token is spent', async () => {
    const token = await signJwt(ehrKey);
    const refused = await call(token, { ...hookBody(), hook: 'order-sign' });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain("service 'onfh-patient-view' is invoked on the 'patient-view' hook");
    const notSchema = await call(token, { ...hookBody(), context: { patientId: 7 } });
    expect(notSchema.statusCode).toBe(400);
    expect((await call(token)).statusCode).toBe(200);
    under.logs.lines.length = 0;
    expect((await call(token)).statusCode).toBe(401);
    expect(reasons()).toEqual(['replayed-jti']);
  });
});

describe('the replay cache is bounded per issuer', () => {
  it('a client that fills its share is refused (fails closed) while another client is still served', async () => {
    // 4 per issuer (replayCacheSize); the first test spent one of the EHR's.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(await signJwt(ehrKey))).statusCode);
    expect(statuses).toEqual([200, 200, 200, 401]);
    expect(reasons().at(-1)).toBe('replay-cache-full');
    const other = await call(await signJwt(otherKey, defaultClaims({ iss: OTHER_ISS })));
    expect(other.statusCode).toBe(200);
  });
});

describe('CDS_CLIENTS_FILE per client', () => {
  it('rateLimit: the client gets its own limit (here 2 per minute; the default is 1000)', async () => {
    // One call of OTHER_ISS was made above.
    const second = await call(await signJwt(otherKey, defaultClaims({ iss: OTHER_ISS })));
    expect(second.statusCode).toBe(200);
    expect(second.headers['x-ratelimit-limit']).toBe('2');
    const third = await call(await signJwt(otherKey, defaultClaims({ iss: OTHER_ISS })));
    expect(third.statusCode).toBe(429);
    expect(third.json()).toEqual({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'throttled', details: { text: 'Too Many Requests' } }] });
  });

  it('audiences: an extra aud is accepted for the endpoint it names only, and from its own client only', async () => {
    const fresh = await startApp({ CDS_CLIENTS_FILE: writeClientsFile({ clients: [
      { iss: EHR_ISS, jwks: { keys: [ehrKey.publicJwk] }, fhirServers: [], audiences: [ALIAS_AUD] },
      { iss: OTHER_ISS, jwks: { keys: [otherKey.publicJwk] }, fhirServers: [] },
    ] }) });
    try {
      const post = (token: string, url = HOOK_PATH, payload: object = hookBody()) =>
        fresh.app.inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${token}` } });
      expect((await post(await signJwt(ehrKey, defaultClaims({ aud: ALIAS_AUD })))).statusCode).toBe(200);
      const feedback = { feedback: [{ card: 'c1', outcome: 'accepted', outcomeTimestamp: '2026-11-21T10:00:00Z' }] };
      expect((await post(await signJwt(ehrKey, defaultClaims({ aud: ALIAS_AUD })), FEEDBACK_PATH, feedback)).statusCode).toBe(401);
      expect((await post(await signJwt(otherKey, defaultClaims({ iss: OTHER_ISS, aud: ALIAS_AUD })))).statusCode).toBe(401);
    } finally {
      await fresh.app.close();
    }
  });

  it('a bad rateLimit or audience stops the start, naming the field', () => {
    const base = { iss: EHR_ISS, jwks: { keys: [{ kty: 'EC', kid: 'k' }] }, fhirServers: [] };
    expect(() => parseClients({ clients: [{ ...base, rateLimit: { max: 0, windowS: 60 } }] }, 'f.json')).toThrow(/clients\[0\]\.rateLimit\.max/);
    expect(() => parseClients({ clients: [{ ...base, audiences: ['https://x.example.org/elsewhere'] }] }, 'f.json')).toThrow(/clients\[0\]\.audiences\[0\]: must be the absolute URL of one endpoint/);
  });
});
