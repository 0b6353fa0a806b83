/**
 * Security for the HTTP surface (issue 5): CDS client JWTs, rate limits, load shedding, security
 * headers, CORS. buildApp() calls registerSecurity once, before the routes.
 *
 * Order of the onRequest hooks (they run in registration order, before the body is read):
 *   1. security headers (helmet, built once), CORS (@fastify/cors, answers preflights itself), so
 *      that every answer below carries them;
 *   2. load shedding (@fastify/under-pressure) → 503 + Retry-After, before any real work;
 *   3. authenticate: verify the JWT of a hook or feedback call, then apply the rate limit keyed
 *      by the verified `iss` (else the IP, so failed attempts are limited too) → 429, then
 *      refuse a failed authentication → 401.
 * Discovery (GET /cds-services) stays open: it lists services and prefetch templates, no
 * patient data (CDS Hooks 2.0 "Trusting CDS Clients": "CDS Services SHOULD require
 * authentication if invoking the service poses any risk of exposing sensitive data").
 */
import cors from '@fastify/cors';
import helmet from 'helmet';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import type { FastifyUnderPressureOptions } from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { importJWK, type FetchImplementation, type JWK } from 'jose';
import { ConfigError, type Config } from '../config.js';
import { loadClientsFile, type TrustedClient } from './clients.js';
import { createVerifier, type AuthenticatedClient, type CdsClientVerifier } from './jwt.js';
import { isAllowedScheme, normaliseBaseUrl, parseHttpUrl } from './urls.js';

export { fhirServerRefusal, isWithinFhirServer } from './fhir-guard.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The CDS client this request was authenticated as; null when not authenticated (AUTH_MODE=none, open routes). */
    cdsClient: AuthenticatedClient | null;
  }
  interface FastifyInstance {
    authMode: 'jwt' | 'none';
    onfhSecurity: SecurityStatus;
  }
}

/** What /readyz can show about security. */
export interface SecurityStatus {
  readonly authMode: 'jwt' | 'none';
  readonly trustedClients: number;
  /** Also logged at start. Non-empty with AUTH_MODE=none. */
  readonly warnings: readonly string[];
}

/** Knobs for tests; production uses the defaults. */
export interface SecurityOptions {
  /** Clock in ms for JWT time claims and the replay cache. */
  readonly now?: () => number;
  /** After a successful JWK Set fetch, how long before an unknown kid may trigger another (default 30 s). */
  readonly jwksCooldownMs?: number;
  /** How long fetched keys are used before being fetched again (default 10 min). */
  readonly jwksCacheMaxAgeMs?: number;
  /** Timeout of one JWK Set fetch (default 3 s). */
  readonly jwksTimeoutMs?: number;
  /** After a failed JWK Set fetch, how long before that URL is tried again (default 10 s). */
  readonly jwksFailureBackoffMs?: number;
  /** Most JWT ids remembered for replay detection (default 100 000; when full, new tokens get 401). */
  readonly replayCacheSize?: number;
  /** fetch used for JWK Sets. */
  readonly fetch?: FetchImplementation;
  /** Merged into the @fastify/under-pressure options (tests force pressure with a failing healthCheck). */
  readonly underPressure?: Partial<FastifyUnderPressureOptions>;
}

/** Seconds a shed client is told to wait. */
const RETRY_AFTER_S = 5;
/** Probes and scrapes: never shed (a shed liveness probe restarts a busy pod) nor rate-limited. */
const OPERATIONAL_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/** A FHIR OperationOutcome with one issue and nothing else: no detail of why. */
function outcome(code: 'login' | 'throttled' | 'transient', text: string): Record<string, unknown> {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] };
}

/** The request path without query, repeated or trailing slashes. */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  const raw = q === -1 ? url : url.slice(0, q);
  return raw.replace(/\/{2,}/g, '/').replace(/(.)\/+$/, '$1');
}

/**
 * Hook and feedback calls: everything below /cds-services/ (deny by default), by the raw path
 * or by the matched route pattern. Discovery is /cds-services itself. Preflights carry no
 * Authorization header (CORS) and are answered by @fastify/cors.
 */
function needsClientJwt(request: FastifyRequest, path: string): boolean {
  if (request.method === 'OPTIONS') return false;
  const route = request.routeOptions.url;
  return path.toLowerCase().startsWith('/cds-services/') || (route !== undefined && route.startsWith('/cds-services/'));
}

/** Checks inline keys import now, so a bad key stops the start instead of failing every call. */
async function checkInlineKeys(clients: readonly TrustedClient[], source: string): Promise<void> {
  for (const [i, client] of clients.entries()) {
    for (const [j, key] of (client.jwks?.keys ?? []).entries()) {
      const alg = typeof key.alg === 'string' ? key.alg : key.kty === 'EC' ? 'ES384' : 'RS384';
      try {
        await importJWK(key as JWK, alg);
      } catch (err) {
        throw new ConfigError(`CDS_CLIENTS_FILE ${source} is invalid:\n  clients[${i}].jwks.keys[${j}]: not a usable ${alg} public key (${(err as Error).message})`);
      }
    }
  }
}

function checkUrls(config: Config, warnings: string[]): void {
  for (const [i, entry] of config.FHIR_SERVER_ALLOWLIST.entries()) {
    const url = parseHttpUrl(entry);
    if (!url || normaliseBaseUrl(entry) === null || !isAllowedScheme(url)) {
      throw new ConfigError(
        `invalid configuration:\n  FHIR_SERVER_ALLOWLIST[${i}]: "${entry}" must be an https FHIR base URL (http only for 127.0.0.1, [::1] or localhost), without credentials, query or fragment`,
      );
    }
  }
  const base = parseHttpUrl(config.PUBLIC_BASE_URL);
  if (!base || base.search !== '' || base.hash !== '' || base.username !== '') {
    throw new ConfigError('invalid configuration:\n  PUBLIC_BASE_URL: must be an http(s) URL without credentials, query or fragment');
  }
  if (config.NODE_ENV === 'production' && base.protocol !== 'https:') {
    warnings.push(`PUBLIC_BASE_URL ${config.PUBLIC_BASE_URL} is not https: CDS clients reach CDS services over TLS (CDS Hooks 2.0 "Security and Safety"), and JWT audiences must match it`);
  }
}

interface PluginOptions {
  readonly config: Config;
  readonly verifier: CdsClientVerifier | null;
  readonly status: SecurityStatus;
  readonly options: SecurityOptions;
}

async function security(app: FastifyInstance, { config, verifier, status, options }: PluginOptions): Promise<void> {
  app.decorateRequest('cdsClient', null);
  app.decorate('authMode', status.authMode);
  app.decorate('onfhSecurity', status);

  // A JSON API: no content may be rendered, framed or scripted from it.
  // helmet's middleware is built once here: @fastify/helmet rebuilt it on every request (about 2 %
  // of a hook call's CPU time under load, bench/profile.ts), for headers that never change.
  const securityHeaders = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  app.addHook('onRequest', (request, reply, done) => {
    securityHeaders(request.raw, reply.raw, (error?: unknown) => {
      done(error instanceof Error ? error : undefined);
    });
  });

  // CDS Hooks 2.0 "Cross-Origin Resource Sharing": browser-based CDS clients (e.g. the sandbox)
  // need CORS; only the listed origins get it. Bearer tokens, not cookies: no credentials.
  if (config.CORS_ORIGINS.length > 0) {
    await app.register(cors, {
      origin: [...config.CORS_ORIGINS],
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      credentials: false,
      maxAge: 600,
    });
  }

  await app.register(underPressure, {
    maxEventLoopDelay: config.MAX_EVENT_LOOP_DELAY_MS,
    retryAfter: RETRY_AFTER_S,
    // Returning a body makes under-pressure send it (its typings say void; the code sends any
    // non-null result), so the 503 is an OperationOutcome and the error handler is not involved.
    pressureHandler: ((request: FastifyRequest, reply: FastifyReply, type: string, value: number | undefined) => {
      if (OPERATIONAL_PATHS.has(pathOf(request.url))) return undefined;
      request.log.warn({ pressure: { type, value } }, 'load shedding: answered 503');
      void reply.code(503).header('retry-after', String(RETRY_AFTER_S));
      return outcome('transient', 'Service Unavailable');
    }) as unknown as FastifyUnderPressureOptions['pressureHandler'],
    ...options.underPressure,
  });

  // global: false → no per-route hook; the limiter runs inside authenticate, after the JWT is verified.
  await app.register(rateLimit, {
    global: false,
    max: config.RATE_LIMIT_MAX,
    timeWindow: config.RATE_LIMIT_WINDOW_MS,
    keyGenerator: (request) => (request.cdsClient ? `iss:${request.cdsClient.iss}` : `ip:${request.ip}`),
  });
  const limit = app.rateLimit();

  app.addHook('onRequest', async function authenticate(request, reply) {
    const path = pathOf(request.url);
    let refused: { reason: string; detail?: string; claimedIss?: string; kid?: string; alg?: string } | undefined;

    if (verifier && needsClientJwt(request, path)) {
      // "aud ... MUST be the URL of the CDS Service endpoint being invoked" (CDS Hooks 2.0 "Trusting CDS Clients").
      const result = await verifier.verify(request.headers.authorization, `${config.PUBLIC_BASE_URL}${path}`);
      if (result.ok) {
        request.cdsClient = result.client;
        // Every later line about this request names the client: iss, tenant and jti may be
        // logged (best practices, Security, CDS Services, JWT); the JWT never is.
        const log = request.log.child({ cdsClient: { iss: result.client.iss, tenant: result.client.tenant, jti: result.client.jti } });
        request.log = log;
        reply.log = log;
        log.debug('CDS client authenticated');
      } else {
        refused = { reason: result.reason, detail: result.detail, claimedIss: result.claimedIss, kid: result.kid, alg: result.alg };
      }
    }

    if (!OPERATIONAL_PATHS.has(path) && request.method !== 'OPTIONS') {
      try {
        await limit.call(app, request, reply); // the handler ignores `this`
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 429) throw err;
        request.log.warn({ rateLimitKey: request.cdsClient ? request.cdsClient.iss : 'ip' }, 'rate limit exceeded: answered 429');
        return reply.code(429).send(outcome('throttled', 'Too Many Requests'));
      }
    }

    if (refused) {
      // A key server that cannot be reached or a full replay cache is the service's problem, not the caller's.
      const level = refused.reason === 'jwks-unavailable' || refused.reason === 'replay-cache-full' ? 'error' : 'warn';
      request.log[level]({ auth: refused }, 'CDS client authentication failed: answered 401');
      return reply.code(401).header('www-authenticate', 'Bearer').send(outcome('login', 'Unauthorized'));
    }
    return undefined;
  });

  // Cards and assessments are about a patient: no cache may keep them.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    return payload;
  });
}

/**
 * Reads the trust configuration (a bad CDS_CLIENTS_FILE or allowlist stops the start with a
 * ConfigError naming the field) and registers the security plugins and hooks on `app`.
 */
export async function registerSecurity(app: FastifyInstance, config: Config, options: SecurityOptions = {}): Promise<void> {
  const warnings: string[] = [];
  checkUrls(config, warnings);

  let verifier: CdsClientVerifier | null = null;
  if (config.AUTH_MODE === 'jwt') {
    if (config.CDS_CLIENTS_FILE === undefined) {
      throw new ConfigError('invalid configuration:\n  CDS_CLIENTS_FILE: required with AUTH_MODE=jwt (the JSON file listing the trusted CDS clients)');
    }
    const clients = loadClientsFile(config.CDS_CLIENTS_FILE);
    await checkInlineKeys(clients, config.CDS_CLIENTS_FILE);
    if (clients.length === 0) warnings.push(`CDS_CLIENTS_FILE ${config.CDS_CLIENTS_FILE} lists no client: every hook call will be refused`);
    verifier = createVerifier(clients, {
      clockSkewS: config.JWT_CLOCK_SKEW_S,
      now: options.now ?? Date.now,
      jwksCooldownMs: options.jwksCooldownMs ?? 30_000,
      jwksCacheMaxAgeMs: options.jwksCacheMaxAgeMs ?? 600_000,
      jwksTimeoutMs: options.jwksTimeoutMs ?? 3_000,
      jwksFailureBackoffMs: options.jwksFailureBackoffMs ?? 10_000,
      replayCacheSize: options.replayCacheSize ?? 100_000,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  } else {
    warnings.push('AUTH_MODE=none: CDS client JWTs are NOT checked and every caller is trusted; use only for development and tests');
    if (config.CDS_CLIENTS_FILE !== undefined) warnings.push('CDS_CLIENTS_FILE is ignored with AUTH_MODE=none');
  }

  const status: SecurityStatus = { authMode: config.AUTH_MODE, trustedClients: verifier?.clientCount ?? 0, warnings };
  await app.register(fp(security, { name: 'onfh-security', fastify: '5.x' }), { config, verifier, status, options });
  for (const warning of warnings) app.log.warn({ security: status.authMode }, warning);
  if (verifier) app.log.info({ trustedClients: status.trustedClients, publicBaseUrl: config.PUBLIC_BASE_URL }, 'CDS client JWT authentication on');
}

/** For /readyz: the auth mode, the number of trusted clients and the start-up warnings. */
export function securityStatus(app: FastifyInstance): SecurityStatus {
  return app.hasDecorator('onfhSecurity') ? app.onfhSecurity : { authMode: 'none', trustedClients: 0, warnings: ['security not registered'] };
}
