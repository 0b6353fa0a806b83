/**
 * Where the service may send a FHIR request and the client's access token (issue 5, item 4).
 *
 * A hook request names its own `fhirServer` and carries `fhirAuthorization.access_token`
 * (CDS Hooks 2.0 "Calling a CDS Service", "FHIR Resource Access"). Trusting that URL as sent
 * would let any caller point the service at a host of its choosing (server-side request forgery)
 * or make it hand the access token to a third party. So the URL must be one listed for the
 * authenticated client in CDS_CLIENTS_FILE (AUTH_MODE=jwt), or in FHIR_SERVER_ALLOWLIST
 * (AUTH_MODE=none; empty = loopback servers only). "The scheme MUST be `https` when production data is exchanged":
 * plain http only to a loopback server that is itself listed (or, with an empty allowlist in
 * AUTH_MODE=none, to a loopback server at all: then nothing but loopback servers is called).
 *
 * URLs are compared whole after normalisation (scheme and host case, default port, trailing
 * slash): never by prefix, so https://ehr.example.org.evil.com is not https://ehr.example.org.
 */
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { isLoopbackHost, normaliseBaseUrl, parseHttpUrl } from './urls.js';

export { isWithinFhirServer } from './urls.js';

/** null when the call may be made; otherwise the reason it may not (logged, never sent to a FHIR server). */
export function fhirServerRefusal(request: FastifyRequest, fhirServer: string, config: Config): string | null {
  const normalised = normaliseBaseUrl(fhirServer);
  const url = parseHttpUrl(fhirServer.trim());
  if (normalised === null || url === null) {
    return 'fhirServer is not an absolute http(s) base URL without credentials, query or fragment';
  }
  if (url.protocol !== 'https:' && !isLoopbackHost(url)) return 'fhirServer must use https';

  if (config.AUTH_MODE === 'none') {
    // No caller is authenticated: an empty allowlist means this machine's own FHIR servers only,
    // so an open port cannot be turned into a fetcher of any https URL with a token of the caller's choosing.
    const allowlist = config.FHIR_SERVER_ALLOWLIST.map((u) => normaliseBaseUrl(u));
    if (allowlist.length === 0) return isLoopbackHost(url) ? null : 'fhirServer is not a loopback server and FHIR_SERVER_ALLOWLIST is empty';
    return allowlist.includes(normalised) ? null : 'fhirServer is not in FHIR_SERVER_ALLOWLIST';
  }

  // AUTH_MODE=jwt: only the servers listed for the authenticated client. The list was checked at
  // start (https, or http to a loopback host), so a listed http entry is a loopback one.
  const client = request.cdsClient;
  if (!client) return 'no authenticated CDS client for this request';
  if (!client.fhirServers.includes(normalised)) return 'fhirServer is not listed for this CDS client';
  return null;
}
