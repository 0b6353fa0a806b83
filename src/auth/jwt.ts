/**
 * Verifies the JWT a CDS client presents on each hook and feedback call (issue 5, item 2).
 *
 * CDS Hooks 2.0 "Trusting CDS Clients" (input/pagecontent/index.md):
 * - `Authorization: Bearer {{JWT}}`, signed with the client's private key (JWS, RFC 7515);
 * - header `alg`, `kid` (REQUIRED, selects the key in the client's JWK Set), `typ` ("JWT"),
 *   `jku` (OPTIONAL: the URL of the JWK Set; the service keeps an allowlist of `jku` URLs);
 * - payload `iss`, `aud` (string or array; "MUST be the URL of the CDS Service endpoint being
 *   invoked"), `exp`, `iat`, `jti` (REQUIRED), `tenant` (OPTIONAL);
 * - "JWT Signing Algorithm": never `none`, never a symmetric (HMAC) algorithm; ES384 and RS384
 *   are the RECOMMENDED ones, and the only ones accepted here.
 * Best practices (cds-hooks.org, Security, CDS Services, JWT): check iss against the trusted
 * clients, aud, exp, tenant, the signature, and that jti was not seen before; never store, share
 * or log the JWT; on failure answer 401 without saying why.
 *
 * Nothing in this module logs. It returns a reason code that the caller logs.
 */
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type FetchImplementation,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type JWTPayload,
} from 'jose';
import type { TrustedClient } from './clients.js';
import { RemoteKeySet, type KeyResolver } from './key-sets.js';
import { normaliseKeySetUrl } from './urls.js';

/** "JWT Signing Algorithm": ES384 and RS384 are RECOMMENDED; none and HMAC SHALL NOT be used. */
export const ACCEPTED_ALGORITHMS: readonly string[] = ['ES384', 'RS384'];

/**
 * Oldest `iat` accepted, in seconds. Best practices: JWT lifetimes of clients following them are
 * "no more than an hour"; capping the age also bounds how long a jti must be remembered.
 */
export const MAX_TOKEN_AGE_S = 3600;

/** Longer than any sane compact JWS; refused before any parsing. */
const MAX_TOKEN_CHARS = 16_384;
const MAX_JTI_CHARS = 256;

/** Why a call was refused: logged, never sent to the caller. */
export type AuthFailureReason =
  | 'no-authorization-header'
  | 'not-bearer'
  | 'malformed-token'
  | 'algorithm-refused'
  | 'typ-refused'
  | 'missing-kid'
  | 'unknown-issuer'
  | 'jku-not-listed'
  | 'no-key-source'
  | 'unknown-kid'
  | 'ambiguous-kid'
  | 'jwks-unavailable'
  | 'bad-signature'
  | 'expired'
  | 'not-yet-valid'
  | 'issued-in-future'
  | 'missing-claim'
  | 'wrong-audience'
  | 'invalid-claim'
  | 'tenant-refused'
  | 'replayed-jti'
  | 'replay-cache-full'
  | 'verification-failed';

/** The CDS client a request was authenticated as (`request.cdsClient`). */
export interface AuthenticatedClient {
  readonly iss: string;
  readonly tenant: string | undefined;
  readonly jti: string;
  /** Normalised FHIR base URLs this client's requests may make the service call. */
  readonly fhirServers: readonly string[];
  /** Its own rate limit from CDS_CLIENTS_FILE, if any. */
  readonly rateLimit: { readonly max: number; readonly windowS: number } | undefined;
  /** Past this instant (ms, the verifier's clock) the token fails the exp or age check: its jti need not be remembered longer. */
  readonly replayUntilMs: number;
}

export type Verification =
  | { readonly ok: true; readonly client: AuthenticatedClient }
  | {
      readonly ok: false;
      readonly reason: AuthFailureReason;
      /** Safe to log: a jose message or a claim name, never token material. */
      readonly detail?: string;
      /** As claimed by the unverified token: for the log only. */
      readonly claimedIss?: string;
      readonly kid?: string;
      readonly alg?: string;
    };

export interface VerifierOptions {
  readonly clockSkewS: number;
  /** Current time in ms (tests inject a clock). Used for claim checks and the key-set ages. */
  readonly now: () => number;
  /** After a JWK Set fetch, an unknown kid refetches only after this. */
  readonly jwksCooldownMs: number;
  /** Cached keys are refetched after this (and kept in use if that fails). */
  readonly jwksCacheMaxAgeMs: number;
  readonly jwksTimeoutMs: number;
  /** After a failed JWK Set fetch, no new fetch of that URL for this long. */
  readonly jwksFailureBackoffMs: number;
  /** JWKS_STALE_MAX_S in ms: the last good keys are used this long after their fetch while fetches fail. */
  readonly jwksStaleMaxMs: number;
  readonly fetch?: FetchImplementation;
}

function failure(reason: AuthFailureReason, extra: Omit<Extract<Verification, { ok: false }>, 'ok' | 'reason'> = {}): Verification {
  return { ok: false, reason, ...extra };
}

/** Maps a jose error to a reason; the message of a jose error names a claim, never a value. */
function reasonOf(err: unknown): { reason: AuthFailureReason; detail: string } {
  if (err instanceof errors.JWTExpired) return { reason: 'expired', detail: err.message };
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return { reason: 'missing-claim', detail: err.claim };
    if (err.claim === 'aud') return { reason: 'wrong-audience', detail: err.message };
    if (err.claim === 'nbf') return { reason: 'not-yet-valid', detail: err.message };
    if (err.claim === 'iat') return { reason: 'issued-in-future', detail: err.message };
    return { reason: 'invalid-claim', detail: err.message };
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return { reason: 'bad-signature', detail: err.message };
  if (err instanceof errors.JWKSNoMatchingKey) return { reason: 'unknown-kid', detail: err.message };
  if (err instanceof errors.JWKSMultipleMatchingKeys) return { reason: 'ambiguous-kid', detail: err.message };
  if (err instanceof errors.JOSEAlgNotAllowed) return { reason: 'algorithm-refused', detail: err.message };
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return { reason: 'malformed-token', detail: err.message };
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return { reason: 'jwks-unavailable', detail: err.message };
  if (err instanceof errors.JOSEError) {
    // "Expected 200 OK from the JSON Web Key Set HTTP response" and the like.
    return { reason: err.code === 'ERR_JOSE_GENERIC' ? 'jwks-unavailable' : 'verification-failed', detail: err.message };
  }
  // fetch() failures (connection refused, DNS) and our own guardedFetch refusals.
  if (err instanceof Error) return { reason: 'jwks-unavailable', detail: err.message };
  return { reason: 'verification-failed', detail: 'unknown error' };
}

/** Extracts the compact JWS from `Authorization: Bearer <jwt>`. */
function bearerToken(authorization: string | undefined): { token: string } | { reason: AuthFailureReason } {
  if (authorization === undefined || authorization.trim() === '') return { reason: 'no-authorization-header' };
  const match = /^Bearer +(\S+) *$/i.exec(authorization);
  if (!match?.[1]) return { reason: 'not-bearer' };
  const token = match[1];
  if (token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) {
    return { reason: 'malformed-token' };
  }
  return { token };
}

export interface CdsClientVerifier {
  /**
   * Checks everything but the jti's freshness (the caller reserves it: src/auth/replay-cache.ts).
   * `endpoint` is the URL invoked (PUBLIC_BASE_URL + path), `path` its path: a client's extra
   * `audiences` count for the endpoint whose path they end with.
   */
  verify(authorization: string | undefined, endpoint: string, path: string): Promise<Verification>;
  readonly clientCount: number;
}

export function createVerifier(clients: readonly TrustedClient[], options: VerifierOptions): CdsClientVerifier {
  const byIss = new Map(clients.map((c) => [c.iss, c]));

  // One cached remote key set per URL, shared by the clients that name it.
  const remoteSets = new Map<string, KeyResolver>();
  const remoteSet = (href: string): KeyResolver => {
    let set = remoteSets.get(href);
    if (!set) {
      set = new RemoteKeySet(href, {
        cooldownMs: options.jwksCooldownMs,
        cacheMaxAgeMs: options.jwksCacheMaxAgeMs,
        timeoutMs: options.jwksTimeoutMs,
        failureBackoffMs: options.jwksFailureBackoffMs,
        staleMaxMs: options.jwksStaleMaxMs,
        now: options.now,
        fetch: options.fetch,
      }).resolve;
      remoteSets.set(href, set);
    }
    return set;
  };
  const localSets = new Map<string, KeyResolver>();
  for (const c of clients) {
    if (c.jwks) localSets.set(c.iss, createLocalJWKSet(c.jwks as unknown as JSONWebKeySet));
  }
  /** Keys used when the token names no `jku`: the out-of-band JWK Set. */
  const defaultKeys = (c: TrustedClient): KeyResolver | undefined =>
    localSets.get(c.iss) ?? (c.jwksUrl === undefined ? undefined : remoteSet(c.jwksUrl));

  async function verify(authorization: string | undefined, endpoint: string, path: string): Promise<Verification> {
    const bearer = bearerToken(authorization);
    if ('reason' in bearer) return failure(bearer.reason);
    const { token } = bearer;

    let header: JWSHeaderParameters;
    let claimed: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      claimed = decodeJwt(token);
    } catch (err) {
      return failure('malformed-token', { detail: reasonOf(err).detail });
    }
    const alg = typeof header.alg === 'string' ? header.alg : undefined;
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    const claimedIss = typeof claimed.iss === 'string' ? claimed.iss : undefined;
    // For the log: caller-chosen strings, so cut short.
    const seen = { claimedIss: claimedIss?.slice(0, 200), kid: kid?.slice(0, 100), alg: alg?.slice(0, 20) };

    if (alg === undefined || !ACCEPTED_ALGORITHMS.includes(alg)) return failure('algorithm-refused', seen);
    // typ is REQUIRED with the fixed value "JWT"; a missing typ is tolerated, another one is not.
    if (header.typ !== undefined && (typeof header.typ !== 'string' || header.typ.toUpperCase() !== 'JWT')) {
      return failure('typ-refused', seen);
    }
    if (kid === undefined || kid === '') return failure('missing-kid', seen);

    const client = claimedIss === undefined ? undefined : byIss.get(claimedIss);
    if (!client) return failure('unknown-issuer', seen);

    let keys: KeyResolver | undefined;
    if (header.jku !== undefined) {
      const jku = typeof header.jku === 'string' ? normaliseKeySetUrl(header.jku) : null;
      if (jku === null || !client.jku.includes(jku)) return failure('jku-not-listed', seen);
      keys = remoteSet(jku);
    } else {
      keys = defaultKeys(client);
      if (!keys) return failure('no-key-source', { ...seen, detail: 'client is configured with jku URLs only and the JWT has no jku' });
    }

    let payload: JWTPayload;
    const nowMs = options.now();
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: [...ACCEPTED_ALGORITHMS],
        issuer: client.iss,
        audience: [endpoint, ...client.audiences.filter((a) => a.replace(/\/+$/, '').endsWith(path))],
        requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti'],
        clockTolerance: options.clockSkewS,
        maxTokenAge: MAX_TOKEN_AGE_S,
        currentDate: new Date(nowMs),
      }));
    } catch (err) {
      return failure(reasonOf(err).reason, { ...seen, detail: reasonOf(err).detail });
    }

    const { jti, tenant, exp, iat } = payload;
    if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_CHARS) return failure('invalid-claim', { ...seen, detail: 'jti' });
    if (tenant !== undefined && typeof tenant !== 'string') return failure('invalid-claim', { ...seen, detail: 'tenant' });
    if (client.tenants && (tenant === undefined || !client.tenants.includes(tenant))) {
      return failure('tenant-refused', seen);
    }
    // jose has checked exp and iat are numbers. Past this instant the token fails the exp or the
    // age check anyway, so its jti need not be remembered longer.
    const lastValidS = Math.min(exp ?? Number.POSITIVE_INFINITY, (iat ?? 0) + MAX_TOKEN_AGE_S) + options.clockSkewS;
    return {
      ok: true,
      client: { iss: client.iss, tenant, jti, fhirServers: client.fhirServers, rateLimit: client.rateLimit, replayUntilMs: lastValidS * 1000 },
    };
  }

  return { verify, clientCount: clients.length };
}
