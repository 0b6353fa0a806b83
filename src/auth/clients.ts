/**
 * The trusted CDS clients (issue 5, item 1): the JSON file named by CDS_CLIENTS_FILE, validated
 * once at start. A bad file stops the start with a ConfigError naming the file and the field.
 *
 * CDS Hooks 2.0 "Trusting CDS Clients": "CDS Services SHOULD limit the CDS Clients they trust by
 * maintaining an allowlist of `iss` and `jku` urls"; "If the `jku` header field is omitted, the
 * CDS Client and CDS Service SHALL communicate the JWK Set out-of-band" (here: `jwksUrl` or an
 * inline `jwks`). Best practices (cds-hooks.org, Security, CDS Services, JWT): a whitelist of
 * trusted tenants where applicable.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../config.js';
import { isAllowedScheme, normaliseBaseUrl, normaliseKeySetUrl, parseHttpUrl } from './urls.js';

/** A URL the service will fetch keys from: https, or http to this machine (tests, development). */
const keySetUrl = z.string().superRefine((value, ctx) => {
  const url = parseHttpUrl(value);
  if (!url || normaliseKeySetUrl(value) === null) {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL without credentials or fragment' });
  } else if (!isAllowedScheme(url)) {
    ctx.addIssue({ code: 'custom', message: 'must use https (http only for 127.0.0.1, [::1] or localhost)' });
  }
});

const fhirServerUrl = z.string().superRefine((value, ctx) => {
  const url = parseHttpUrl(value);
  if (!url || normaliseBaseUrl(value) === null) {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) FHIR base URL without credentials, query or fragment' });
  } else if (!isAllowedScheme(url)) {
    ctx.addIssue({ code: 'custom', message: 'must use https (http only for 127.0.0.1, [::1] or localhost)' });
  }
});

const audienceUrl = z.string().superRefine((value, ctx) => {
  const url = parseHttpUrl(value);
  if (!url || url.search !== '' || url.hash !== '' || url.username !== '' || !/\/(cds-services\/[^/]+(\/feedback)?|assessment)$/.test(url.pathname)) {
    ctx.addIssue({ code: 'custom', message: 'must be the absolute URL of one endpoint, ending in /cds-services/{id}, /cds-services/{id}/feedback or /assessment, without query or fragment' });
  }
});

/** A public JWK: the fields jose needs are checked when the key set is built; private parts are refused here. */
const publicJwk = z
  .looseObject({ kty: z.enum(['EC', 'RSA']), kid: z.string().min(1) })
  .refine((k) => !('d' in k) && !('p' in k) && !('q' in k), { message: 'a private key has no place here: list public keys only' });

const ClientSchema = z
  .strictObject({
    $comment: z.string().optional(),
    /** The JWT `iss` exactly as the client sends it (compared as a string, RFC 7519 section 4.1.1). */
    iss: z.string().min(1),
    /** Where the client's JWK Set is published (used when the JWT carries no `jku`). */
    jwksUrl: keySetUrl.optional(),
    /** The client's public keys, given out-of-band. */
    jwks: z.strictObject({ keys: z.array(publicJwk).min(1) }).optional(),
    /** JWK Set URLs this client may name in a JWT `jku` header; any other `jku` is refused. */
    jku: z.array(keySetUrl).default([]),
    /** When present, the JWT `tenant` claim must be one of these. */
    tenants: z.array(z.string().min(1)).min(1, 'list at least one tenant, or leave "tenants" out to accept any').optional(),
    /** FHIR base URLs the service may call (and send this client's access token to). May be empty. */
    fhirServers: z.array(fhirServerUrl),
    /** This client's own rate limit (else RATE_LIMIT_MAX per RATE_LIMIT_WINDOW_MS), shared by the replicas with REDIS_URL. */
    rateLimit: z.strictObject({ max: z.number().int().min(1).max(1_000_000), windowS: z.number().int().min(1).max(3600) }).optional(),
    /**
     * Extra `aud` values accepted from this client, for a site that registered the service under
     * another URL. Each is one endpoint's URL and is accepted for the endpoint whose path it ends
     * with, so a token for one service still cannot be used on another.
     */
    audiences: z.array(audienceUrl).default([]),
  })
  .refine((c) => c.jwksUrl !== undefined || c.jwks !== undefined || c.jku.length > 0, {
    message: 'give the client\'s keys: "jwksUrl", "jwks" or a "jku" list',
  })
  .refine((c) => !(c.jwksUrl !== undefined && c.jwks !== undefined), {
    message: 'give either "jwksUrl" or "jwks", not both',
  });

export const ClientsFileSchema = z
  .strictObject({
    $comment: z.string().optional(),
    clients: z.array(ClientSchema),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.clients.forEach((c, i) => {
      if (seen.has(c.iss)) ctx.addIssue({ code: 'custom', path: ['clients', i, 'iss'], message: `"${c.iss}" is listed twice` });
      seen.add(c.iss);
    });
  });

/** One trusted client, its URLs in canonical form. */
export interface TrustedClient {
  readonly iss: string;
  readonly jwksUrl: string | undefined;
  readonly jwks: { readonly keys: readonly Record<string, unknown>[] } | undefined;
  readonly jku: readonly string[];
  readonly tenants: readonly string[] | undefined;
  readonly fhirServers: readonly string[];
  readonly rateLimit: { readonly max: number; readonly windowS: number } | undefined;
  readonly audiences: readonly string[];
}

function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => {
      const path = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
      return `  ${path === '' ? '(root)' : path}: ${i.message}`;
    })
    .join('\n');
}

/** Validates the parsed JSON of a clients file; `source` names it in errors. */
export function parseClients(json: unknown, source: string): TrustedClient[] {
  const parsed = ClientsFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(`CDS_CLIENTS_FILE ${source} is invalid:\n${formatIssues(parsed.error.issues)}`);
  }
  return parsed.data.clients.map((c) => ({
    iss: c.iss,
    jwksUrl: c.jwksUrl === undefined ? undefined : (normaliseKeySetUrl(c.jwksUrl) ?? undefined),
    jwks: c.jwks,
    jku: c.jku.map((u) => normaliseKeySetUrl(u)).filter((u): u is string => u !== null),
    tenants: c.tenants,
    fhirServers: c.fhirServers.map((u) => normaliseBaseUrl(u)).filter((u): u is string => u !== null),
    rateLimit: c.rateLimit,
    audiences: c.audiences,
  }));
}

/** Reads and validates CDS_CLIENTS_FILE; throws ConfigError naming the file and the field. */
export function loadClientsFile(path: string): TrustedClient[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`CDS_CLIENTS_FILE ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`CDS_CLIENTS_FILE ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseClients(json, path);
}
