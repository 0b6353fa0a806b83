/**
 * POST /assessment is a PHI endpoint (design.md section 8, issue 22 item 4): with AUTH_MODE=jwt
 * it needs a client JWT whose aud is PUBLIC_BASE_URL/assessment or the admin token; it applies
 * MAX_RESOURCES; and no log line of it (nor of a hook call) carries the patient id.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { hookBody, startApp, type AppUnderTest } from './app.js';
import { EHR_ISS, HOOK_PATH, PUBLIC_BASE_URL, defaultClaims, makeKey, signJwt, writeClientsFile, type TestKey } from './helpers.js';

const ADMIN_TOKEN = 'a'.repeat(20) + '-admin-token-for-tests-0123456789';
/** A patient id no other string in the service contains: found in a log line means leaked. */
const PATIENT_MARK = 'PT-7f3c9a';
const bundleText = readFileSync(new URL('../../examples/assessment-bundle.json', import.meta.url), 'utf8').replaceAll('onfh-ex-1', PATIENT_MARK);
const bundle = (): Record<string, unknown> => JSON.parse(bundleText) as Record<string, unknown>;
const ASSESSMENT_AUD = `${PUBLIC_BASE_URL}/assessment`;

let key: TestKey;
let under: AppUnderTest;
beforeAll(async () => {
  key = await makeKey('ES384');
  const clientsFile = writeClientsFile({ clients: [{ iss: EHR_ISS, jwks: { keys: [key.publicJwk] }, fhirServers: [] }] });
  under = await startApp({ CDS_CLIENTS_FILE: clientsFile, ADMIN_TOKEN, MAX_RESOURCES: '20', LOG_LEVEL: 'trace' });
});
afterAll(async () => {
  await under.app.close();
});

const assess = (authorization: string | undefined, payload: object = bundle()) =>
  under.app.inject({ method: 'POST', url: '/assessment?now=2026-11-21', payload, headers: authorization === undefined ? {} : { authorization } });

describe('POST /assessment under AUTH_MODE=jwt', () => {
  it('refuses a call without credentials, with a wrong admin token, or with a JWT meant for a hook endpoint', async () => {
    for (const authorization of [undefined, `Bearer ${ADMIN_TOKEN}x`, `Bearer ${ADMIN_TOKEN.slice(0, -1)}`, `Bearer ${await signJwt(key)}`]) {
      const res = await assess(authorization);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', details: { text: 'Unauthorized' } }] });
      expect(res.body).not.toContain(PATIENT_MARK);
    }
  });

  it('answers the Assessment to the admin token and to a client JWT with aud PUBLIC_BASE_URL/assessment', async () => {
    const byAdmin = await assess(`Bearer ${ADMIN_TOKEN}`);
    expect(byAdmin.statusCode).toBe(200);
    expect(byAdmin.json<{ patientId: string; inScope: boolean }>()).toMatchObject({ patientId: PATIENT_MARK, inScope: true });

    const byClient = await assess(`Bearer ${await signJwt(key, defaultClaims({ aud: ASSESSMENT_AUD }))}`);
    expect(byClient.statusCode).toBe(200);
    expect(byClient.json<{ patientId: string }>().patientId).toBe(PATIENT_MARK);
  });

  it('applies MAX_RESOURCES: a Bundle with more entries is a 400 naming the limit', async () => {
    const big = bundle();
    const entries = big.entry as unknown[];
    big.entry = [...entries, ...entries]; // 32 entries > 20
    const res = await assess(`Bearer ${ADMIN_TOKEN}`, big);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('at most 20 (MAX_RESOURCES)');
  });

  it('writes no log line that carries the patient id, for assessments and hook calls alike (trace level)', async () => {
    under.logs.lines.length = 0;
    expect((await assess(`Bearer ${ADMIN_TOKEN}`)).statusCode).toBe(200);
    expect((await assess(undefined)).statusCode).toBe(401);
    const body = hookBody({ context: { userId: 'Practitioner/example', patientId: PATIENT_MARK } });
    (body.prefetch as { patient: { id: string } }).patient.id = PATIENT_MARK;
    const hook = await under.app.inject({ method: 'POST', url: HOOK_PATH, payload: body, headers: { authorization: `Bearer ${await signJwt(key)}` } });
    expect(hook.statusCode).toBe(200);
    expect(under.logs.lines.length).toBeGreaterThanOrEqual(3); // assessment, 401, hook call
    expect(under.logs.lines.filter((l) => l.includes(PATIENT_MARK))).toEqual([]);
  });
});

describe('ADMIN_TOKEN', () => {
  it('must be at least 32 characters', () => {
    expect(() => loadConfig({ ADMIN_TOKEN: 'short-token' })).toThrow(/ADMIN_TOKEN: at least 32 characters/);
    expect(loadConfig({ ADMIN_TOKEN }).ADMIN_TOKEN).toBe(ADMIN_TOKEN);
  });
});
