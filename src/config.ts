/**
 * Environment → typed configuration. Every variable the service reads is declared here, once,
 * with its default; the README's configuration table is written from this file.
 * Loaded once at start and passed into buildApp(), so tests build variants without touching
 * process.env (medplum's habit).
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The rules bundled with the service: `<package root>/rules` (this file sits in src/ or dist/). */
export const BUNDLED_RULES_DIR = fileURLToPath(new URL('../rules', import.meta.url));

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const csv = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0),
  );

export const ConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: int(0, 65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    RULES_DIR: z.string().min(1).default(BUNDLED_RULES_DIR),
    /** Largest accepted request body, in bytes → 413 above it. */
    BODY_LIMIT_BYTES: int(1024, 100 * 1024 * 1024).default(5 * 1024 * 1024),
    /** Deepest JSON nesting accepted in a request body → 400 above it. */
    MAX_JSON_DEPTH: int(8, 1000).default(64),
    /** Most FHIR resources accepted in one request (prefetch + draft orders) → 400 above it. */
    MAX_RESOURCES: int(1, 1_000_000).default(10_000),
    /** One time budget for all FHIR fetches of one hook call, in ms → 412 when spent. */
    FHIR_TIMEOUT_MS: int(50, 60_000).default(2000),
    /** Most Bundle pages followed through link[next] per query. */
    FHIR_MAX_PAGES: int(1, 1000).default(10),
    /** Largest answer read from the FHIR server, in bytes, per request → 412 above it (memory stays bounded). */
    FHIR_MAX_RESPONSE_BYTES: int(64 * 1024, 1024 * 1024 * 1024).default(20 * 1024 * 1024),
    /** Most connections open to one FHIR server at once; more requests wait (within FHIR_TIMEOUT_MS). */
    FHIR_MAX_CONNECTIONS: int(1, 10_000).default(64),
    /** AUTH_MODE=jwt checks CDS client JWTs; none trusts every caller (development only). */
    AUTH_MODE: z.enum(['jwt', 'none']).optional(),
    /** JSON file listing the trusted CDS clients (iss, keys, tenants, FHIR servers). */
    CDS_CLIENTS_FILE: z.string().min(1).optional(),
    /** The service's external base URL; JWT `aud` must be this + /cds-services/{id}. */
    PUBLIC_BASE_URL: z.url().optional(),
    JWT_CLOCK_SKEW_S: int(0, 3600).default(60),
    /** AUTH_MODE=none only: FHIR base URLs the service may call (comma-separated; empty = any). */
    FHIR_SERVER_ALLOWLIST: csv.default([]),
    /** Origins allowed by CORS (comma-separated; empty = none). */
    CORS_ORIGINS: csv.default([]),
    /** Requests per client per RATE_LIMIT_WINDOW_MS → 429 above it. */
    RATE_LIMIT_MAX: int(1, 1_000_000).default(600),
    RATE_LIMIT_WINDOW_MS: int(1000, 3_600_000).default(60_000),
    /**
     * Behind a load balancer or ingress: which proxies to trust for the client address
     * (X-Forwarded-For), used by the per-client rate limit when a caller has no JWT. `false`
     * (default), `true` (trust every hop), or comma-separated addresses/CIDRs of the proxies.
     */
    TRUST_PROXY: z
      .string()
      .default('false')
      .transform((v): boolean | string => (v === 'true' ? true : v === 'false' ? false : v)),
    /** Server timeouts (slow clients). */
    REQUEST_TIMEOUT_MS: int(1000, 600_000).default(30_000),
    HEADERS_TIMEOUT_MS: int(1000, 600_000).default(10_000),
    /** Load shedding: event-loop delay above which requests get 503 + Retry-After. */
    MAX_EVENT_LOOP_DELAY_MS: int(0, 60_000).default(1000),
    /** Graceful shutdown: how long in-flight requests may take after SIGTERM. */
    SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
    // ── decision store (design.md section 6; src/store/README.md) ──
    /** PGlite's folder when DATABASE_URL is unset (one replica only). */
    DATA_DIR: z.string().min(1).default('./data'),
    /** A PostgreSQL server, e.g. postgres://user:pass@host:5432/onfh; set: PGlite is not used. */
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
    /** HMAC-SHA256 key turning patient ids into the stored patient key (≥ 32 characters; required in production). */
    PSEUDONYM_KEY: z.string().min(32).optional(),
    DECISION_RETENTION_DAYS: int(1, 36_500).default(400),
    /** An overridden card stays away this long for that patient (a rule set may set its own overrideQuietDays). */
    OVERRIDE_QUIET_DAYS: int(0, 3650).default(30),
    /** Bearer token of /admin/*; unset: the admin routes answer 404. */
    ADMIN_TOKEN: z.string().min(32).optional(),
  })
  .refine((c) => c.NODE_ENV !== 'production' || c.PSEUDONYM_KEY !== undefined, {
    path: ['PSEUDONYM_KEY'],
    message: 'is required when NODE_ENV=production (at least 32 characters; keep it secret and stable)',
  })
  .transform((c) => ({
    ...c,
    // jwt is the default in production; none must be chosen explicitly there.
    AUTH_MODE: c.AUTH_MODE ?? (c.NODE_ENV === 'production' ? ('jwt' as const) : ('none' as const)),
    PUBLIC_BASE_URL: (c.PUBLIC_BASE_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, ''),
  }));

export type Config = z.output<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads the environment; throws ConfigError naming each bad variable and what is allowed. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const known = Object.keys(ConfigSchema.in.shape);
  const picked = Object.fromEntries(
    known.filter((k) => env[k] !== undefined && env[k] !== '').map((k) => [k, env[k]]),
  );
  const parsed = ConfigSchema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** A config for tests: defaults, quiet logs, overridable. */
export function testConfig(overrides: Partial<Record<keyof z.input<typeof ConfigSchema>, string>> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...overrides });
}
