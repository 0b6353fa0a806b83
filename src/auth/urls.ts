/**
 * URL rules shared by the trust configuration and the FHIR guard (issue 5, items 1 and 4).
 *
 * CDS Hooks 2.0 "Use of JSON" and "Security and Safety": production traffic is HTTPS. The one
 * exception kept here is plain http to the machine itself (127.0.0.1, ::1, localhost), so that
 * tests and a developer's local FHIR server work; it is allowed only where a configured entry
 * itself says so.
 */

// The base-URL rules live with the FHIR layer (it follows next links and Binary urls with them); the trust
// configuration and the FHIR guard use the same ones.
import { isWithinFhirServer, normaliseBaseUrl, parseHttpUrl } from '../fhir/base-url.js';

export { isWithinFhirServer, normaliseBaseUrl, parseHttpUrl };

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '[::1]', 'localhost']);

export function isLoopbackHost(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname);
}

/** https anywhere, or http to this machine only. */
export function isAllowedScheme(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url));
}

/** A JWK Set URL in canonical form (query kept: it may select the key set), or null. */
export function normaliseKeySetUrl(value: string): string | null {
  const url = parseHttpUrl(value.trim());
  if (!url) return null;
  if (url.username !== '' || url.password !== '' || url.hash !== '') return null;
  return url.href;
}
