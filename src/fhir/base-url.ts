/**
 * A FHIR server's base URL (CDS Hooks 2.0 `fhirServer`): its canonical form, and whether another URL
 * (a Bundle's `next` link, a report's Binary url) lies under it. Pure. The trust configuration and
 * the FHIR guard (src/auth) use the same rules.
 */

/** Parses an absolute http(s) URL; null for anything else (relative, other schemes, junk). */
export function parseHttpUrl(value: string): URL | null {
  if (!URL.canParse(value)) return null;
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  return url;
}

/**
 * A FHIR base URL in one canonical form, or null when it cannot be a base URL.
 * Scheme and host are lower-cased and a default port dropped (the WHATWG parser does both),
 * `.`/`..` segments are resolved, trailing slashes removed. Credentials, a query or a fragment
 * make it no base URL at all: they are refused rather than stripped, so nothing is hidden in them.
 * The path keeps its case: FHIR servers may route on it.
 */
export function normaliseBaseUrl(value: string): string | null {
  const url = parseHttpUrl(value.trim());
  if (!url) return null;
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return null;
  // "https://ehr.example.org/?" parses with an empty search but the raw text still has it.
  if (/[?#]/.test(value)) return null;
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * Whether `url` (e.g. a Bundle's link[next]) lies inside the FHIR server whose base is
 * `fhirServer`: same scheme, host and port, and a path equal to the base path or below it at a
 * segment boundary ("https://ehr/fhir" covers "https://ehr/fhir/Patient", not "https://ehr/fhir2").
 */
export function isWithinFhirServer(url: string, fhirServer: string): boolean {
  const base = normaliseBaseUrl(fhirServer);
  const target = parseHttpUrl(url);
  if (base === null || target === null) return false;
  if (target.username !== '' || target.password !== '') return false;
  const baseUrl = new URL(base);
  if (target.protocol !== baseUrl.protocol || target.host !== baseUrl.host) return false;
  const basePath = baseUrl.pathname.replace(/\/+$/, '');
  return target.pathname === basePath || target.pathname === `${basePath}/` || target.pathname.startsWith(`${basePath}/`);
}
