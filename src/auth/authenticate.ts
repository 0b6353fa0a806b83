/**
 * The authenticate hook (onRequest, before the body is read), for the calls that carry patient
 * data: hook and feedback calls (everything below /cds-services/) and POST /assessment
 * (design.md section 8: a client JWT with aud PUBLIC_BASE_URL/assessment, or the admin token).
 *
 * For a valid JWT, the jti reservation and the rate-limit increment are issued in the same
 * event-loop turn, so with REDIS_URL they travel in one pipelined round trip
 * (src/auth/shared-state.ts). The jti is released again when the call is refused before any work
 * was done for it (a rejected body, an unknown service, 429): a rejected call does not use the
 * token up, and the client may send the corrected call with it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Config } from '../config.js';
import { isAdminBearer } from './admin-token.js';
import type { CdsClientVerifier } from './jwt.js';
import type { SharedState } from './shared-state.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** POST /assessment authenticated with ADMIN_TOKEN. */
    adminAuthenticated: boolean;
    /** The jti of request.cdsClient is reserved; released if the answer is one of RELEASE_ON. */
    jtiReserved: boolean;
  }
}

/** Probes and scrapes: never shed (a shed liveness probe restarts a busy pod) nor rate-limited. */
export const OPERATIONAL_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/** Answers that mean nothing was done with the call: its token stays usable. */
const RELEASE_ON: ReadonlySet<number> = new Set([400, 404, 413, 415, 429]);

/** A FHIR OperationOutcome with one issue and nothing else: no detail of why. */
export function outcome(code: 'login' | 'throttled' | 'transient', text: string): Record<string, unknown> {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] };
}

/** The request path without query, repeated or trailing slashes. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  const raw = q === -1 ? url : url.slice(0, q);
  return raw.replace(/\/{2,}/g, '/').replace(/(.)\/+$/, '$1');
}

/**
 * Which calls need a credential: everything below /cds-services/ (deny by default), by the raw
 * path or by the matched route pattern, and /assessment. Discovery is /cds-services itself.
 * Preflights carry no Authorization header (CORS) and are answered by @fastify/cors.
 */
function guardOf(request: FastifyRequest, path: string): 'client' | 'client-or-admin' | null {
  if (request.method === 'OPTIONS') return null;
  const route = request.routeOptions.url;
  const lower = path.toLowerCase();
  if (lower.startsWith('/cds-services/') || (route !== undefined && route.startsWith('/cds-services/'))) return 'client';
  if (lower === '/assessment' || route === '/assessment') return 'client-or-admin';
  return null;
}

interface Refusal {
  readonly reason: string;
  readonly detail?: string | undefined;
  readonly claimedIss?: string | undefined;
  readonly kid?: string | undefined;
  readonly alg?: string | undefined;
}

export interface AuthenticationOptions {
  readonly config: Config;
  readonly verifier: CdsClientVerifier | null;
  readonly shared: SharedState;
  /** The handler of app.rateLimit(): throws a 429 error when the caller is over its limit. */
  readonly limit: preHandlerAsyncHookHandler;
  readonly now: () => number;
}

export function registerAuthentication(app: FastifyInstance, { config, verifier, shared, limit, now }: AuthenticationOptions): void {
  app.decorateRequest('adminAuthenticated', false);
  app.decorateRequest('jtiReserved', false);

  app.addHook('onRequest', async function authenticate(request: FastifyRequest, reply: FastifyReply) {
    const path = pathOf(request.url);
    let refused: Refusal | undefined;

    const guard = verifier ? guardOf(request, path) : null;
    if (verifier && guard !== null) {
      if (guard === 'client-or-admin' && isAdminBearer(request.headers.authorization, config.ADMIN_TOKEN)) {
        request.adminAuthenticated = true;
      } else {
        // "aud ... MUST be the URL of the CDS Service endpoint being invoked" (CDS Hooks 2.0 "Trusting CDS Clients").
        const result = await verifier.verify(request.headers.authorization, `${config.PUBLIC_BASE_URL}${path}`, path);
        if (result.ok) {
          request.cdsClient = result.client;
          // Every later line about this request names the client: iss, tenant and jti may be
          // logged (best practices, Security, CDS Services, JWT); the JWT never is.
          const log = request.log.child({ cdsClient: { iss: result.client.iss, tenant: result.client.tenant, jti: result.client.jti } });
          request.log = log;
          reply.log = log;
        } else {
          refused = { reason: result.reason, detail: result.detail, claimedIss: result.claimedIss, kid: result.kid, alg: result.alg };
        }
      }
    }

    // Issued before the limiter's increment, in the same turn: one pipelined round trip to Redis.
    const client = request.cdsClient;
    const reserving = client ? shared.reserveJti(client.iss, client.jti, client.replayUntilMs, now()) : undefined;

    let limited = false;
    if (!OPERATIONAL_PATHS.has(path) && request.method !== 'OPTIONS') {
      try {
        await limit.call(app, request, reply); // the handler ignores `this`
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 429) {
          if (client && (await reserving) === 'fresh') await shared.releaseJti(client.iss, client.jti);
          throw err;
        }
        limited = true;
      }
    }

    const reservation = await reserving;
    if (client && reservation === 'fresh') request.jtiReserved = true;
    if (limited) {
      request.log.warn({ rateLimitKey: client ? client.iss : request.adminAuthenticated ? 'admin' : 'ip' }, 'rate limit exceeded: answered 429');
      return reply.code(429).send(outcome('throttled', 'Too Many Requests'));
    }
    if (client && reservation !== 'fresh') {
      refused = { reason: reservation === 'replay' ? 'replayed-jti' : 'replay-cache-full', claimedIss: client.iss };
      request.cdsClient = null;
    }

    if (refused) {
      // A key server that cannot be reached or a full replay cache is the service's problem, not the caller's.
      const level = refused.reason === 'jwks-unavailable' || refused.reason === 'replay-cache-full' ? 'error' : 'warn';
      request.log[level]({ auth: refused }, 'CDS client authentication failed: answered 401');
      return reply.code(401).header('www-authenticate', 'Bearer').send(outcome('login', 'Unauthorized'));
    }
    return undefined;
  });

  // Before the answer is written, so a client that retries at once finds its token usable again.
  app.addHook('onSend', async (request, reply, payload) => {
    const client = request.cdsClient;
    if (request.jtiReserved && client && RELEASE_ON.has(reply.statusCode)) {
      request.jtiReserved = false;
      await shared.releaseJti(client.iss, client.jti);
    }
    return payload;
  });
}
