/**
 * A CDS client's JWK Set fetched from its URL (design.md section 7): cached, refreshed when a
 * token names a kid it does not hold (key rotation; throttled), refreshed when older than the
 * cache age, and served stale while the client's key server cannot be reached, up to
 * JWKS_STALE_MAX_S after the last good fetch, so an issuer's outage does not stop its calls.
 *
 * jose's createRemoteJWKSet drops to "no keys" as soon as a refresh fails; the fetching and the
 * ages are therefore kept here, and jose does what it is good at: selecting and importing the
 * key (createLocalJWKSet over the last good set). Fetching uses the global fetch (Node's undici,
 * which trusts the system CAs and NODE_EXTRA_CA_CERTS) unless a fetch is given.
 */
import { createLocalJWKSet, errors, type CryptoKey, type FetchImplementation, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters } from 'jose';

/** A JWK Set larger than this is refused (a trusted URL, but a broken server can still send junk). */
const MAX_JWKS_BYTES = 256 * 1024;

export type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

export interface KeySetTimings {
  /** After a fetch, an unknown kid triggers another only after this long. */
  readonly cooldownMs: number;
  /** Keys older than this are fetched again (the old ones stay in use if that fails). */
  readonly cacheMaxAgeMs: number;
  readonly timeoutMs: number;
  /** After a failed fetch, no new attempt for this long: a failing key server is not hammered. */
  readonly failureBackoffMs: number;
  /** The last good keys are used up to this long after they were fetched, while fetches fail. */
  readonly staleMaxMs: number;
  readonly now: () => number;
  readonly fetch?: FetchImplementation | undefined;
}

/** Thrown when no usable keys can be had; reasonOf (src/auth/jwt.ts) maps it to jwks-unavailable. */
export class KeySetUnavailable extends Error {
  override name = 'KeySetUnavailable';
}

export class RemoteKeySet {
  private keys: { readonly resolve: KeyResolver; readonly fetchedAtMs: number } | undefined;
  private lastAttemptMs = Number.NEGATIVE_INFINITY;
  private lastFailure: { readonly atMs: number; readonly message: string } | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly timings: KeySetTimings,
  ) {}

  /** For jwtVerify: the key the token's header selects. */
  readonly resolve: KeyResolver = async (header, token) => {
    const now = this.timings.now();
    if (!this.keys || now - this.keys.fetchedAtMs >= this.timings.cacheMaxAgeMs) await this.refresh();
    const keys = this.usableKeys();
    try {
      return await keys.resolve(header, token);
    } catch (err) {
      // Key rotation: a kid we do not hold may have been published since; ask again, throttled.
      if (!(err instanceof errors.JWKSNoMatchingKey) || this.timings.now() - this.lastAttemptMs < this.timings.cooldownMs) throw err;
      await this.refresh();
      return this.usableKeys().resolve(header, token);
    }
  };

  /** The last good keys while not older than staleMaxMs; else the reason there are none. */
  private usableKeys(): { readonly resolve: KeyResolver } {
    const keys = this.keys;
    if (keys && this.timings.now() - keys.fetchedAtMs <= this.timings.staleMaxMs) return keys;
    const why = this.lastFailure?.message ?? 'never fetched';
    throw new KeySetUnavailable(keys ? `JWK Set older than JWKS_STALE_MAX_S and cannot be refreshed: ${why}` : `JWK Set cannot be fetched: ${why}`);
  }

  /** One fetch at a time; none during the back-off after a failure. Never throws. */
  private async refresh(): Promise<void> {
    if (this.lastFailure && this.timings.now() - this.lastFailure.atMs < this.timings.failureBackoffMs) return;
    this.refreshing ??= this.fetchKeys().finally(() => {
      this.refreshing = undefined;
    });
    await this.refreshing;
  }

  private async fetchKeys(): Promise<void> {
    this.lastAttemptMs = this.timings.now();
    try {
      const doFetch: FetchImplementation = this.timings.fetch ?? ((url, init) => fetch(url, init));
      const response = await doFetch(this.url, {
        method: 'GET',
        headers: new Headers({ accept: 'application/json, application/jwk-set+json' }),
        redirect: 'manual', // a redirect is no 200: refused
        signal: AbortSignal.timeout(this.timings.timeoutMs),
      });
      if (response.status !== 200) throw new Error(`Expected 200 OK from the JSON Web Key Set HTTP response, got ${String(response.status)}`);
      const body = await response.arrayBuffer();
      if (body.byteLength > MAX_JWKS_BYTES) throw new Error(`JWK Set larger than ${String(MAX_JWKS_BYTES)} bytes`);
      const json: unknown = JSON.parse(new TextDecoder().decode(body));
      // createLocalJWKSet checks the shape (JWKSInvalid when it is no JWK Set).
      const resolve = createLocalJWKSet(json as JSONWebKeySet);
      this.keys = { resolve, fetchedAtMs: this.timings.now() };
      this.lastFailure = undefined;
    } catch (err) {
      this.lastFailure = { atMs: this.timings.now(), message: err instanceof Error ? err.message.slice(0, 200) : 'unknown error' };
    }
  }
}
