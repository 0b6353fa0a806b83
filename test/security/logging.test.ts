/**
 * Never log a token (best practices, Security, CDS Services: "CDS Services should never store,
 * share, or log JWTs", nor `fhirAuthorization.access_token`). Every log line of accepted,
 * refused, failed and fetching calls is captured at trace level and searched for the tokens and
 * for any 16-character piece of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hookBody, startApp, type AppUnderTest } from './app.js';
import { defaultClaims, EHR_ISS, HOOK_PATH, LocalServer, makeKey, signJwt, writeClientsFile, type TestKey } from './helpers.js';

const ACCESS_TOKEN = 'at-5d1c7e0f9a8b4c3d2e1f0a9b8c7d6e5f';

/** Every 16-character window of the secret: a partial token in a log is a leak too. */
function pieces(secret: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 16 <= secret.length; i += 8) out.push(secret.slice(i, i + 16));
  return out;
}

describe('tokens never reach the log', () => {
  let key: TestKey;
  let fhir: LocalServer;
  let under: AppUnderTest;

  beforeAll(async () => {
    key = await makeKey('ES384');
    fhir = await new LocalServer().start();
    const file = writeClientsFile({ clients: [{ iss: EHR_ISS, jwks: { keys: [key.publicJwk] }, fhirServers: [`${fhir.base}/fhir`] }] });
    let calls = 0;
    under = await startApp(
      { CDS_CLIENTS_FILE: file, LOG_LEVEL: 'trace' },
      {
        // The second accepted call fails inside the service: a 500 logs the whole story.
        decide: () => {
          calls += 1;
          if (calls === 2) throw new Error('engine failure for the test');
          return { cards: [], notes: [] };
        },
      },
    );
  });
  afterAll(async () => {
    await under.app.close();
    await fhir.stop();
  });

  it('neither the client JWT nor the FHIR access token, whole or in part, in any line', async () => {
    const jwts: string[] = [];
    const send = async (authorization: string, body: Record<string, unknown>) =>
      under.app.inject({ method: 'POST', url: HOOK_PATH, headers: { authorization }, payload: body });
    const withToken = (extra: Record<string, unknown> = {}) =>
      hookBody({ fhirServer: `${fhir.base}/fhir`, fhirAuthorization: { access_token: ACCESS_TOKEN, token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'onfh' }, ...extra });

    const ok = await signJwt(key, defaultClaims());
    jwts.push(ok);
    expect((await send(`Bearer ${ok}`, withToken())).statusCode).toBe(200);

    const failing = await signJwt(key, defaultClaims());
    jwts.push(failing);
    expect((await send(`Bearer ${failing}`, withToken())).statusCode).toBe(500);

    // Replayed, tampered and expired tokens are refused: the refusal is logged, the token is not.
    expect((await send(`Bearer ${ok}`, withToken())).statusCode).toBe(401);
    const [h, p] = ok.split('.');
    const tampered = `${h ?? ''}.${p ?? ''}.${'A'.repeat(128)}`;
    jwts.push(tampered);
    expect((await send(`Bearer ${tampered}`, withToken())).statusCode).toBe(401);
    const expired = await signJwt(key, defaultClaims({ iat: 1_000_000, exp: 1_000_300 }));
    jwts.push(expired);
    expect((await send(`Bearer ${expired}`, withToken())).statusCode).toBe(401);

    // A call that fetches from the FHIR server with the access token (no prefetch).
    const fetching = await signJwt(key, defaultClaims());
    jwts.push(fetching);
    const body = withToken();
    delete body.prefetch;
    await send(`Bearer ${fetching}`, body);
    expect(fhir.total()).toBeGreaterThan(0);

    const log = under.logs.text;
    expect(log).toContain('CDS client authentication failed');
    for (const secret of [...jwts, ACCESS_TOKEN]) {
      expect(log).not.toContain(secret);
      for (const piece of pieces(secret)) expect(log, `a piece of a token is in the log: ${piece}`).not.toContain(piece);
    }
    expect(log).not.toContain('Reply was already sent');
  });
});
