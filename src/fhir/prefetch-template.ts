/**
 * Prefetch template rendering (CDS Hooks 2.0 "Prefetch tokens"): pure, no I/O.
 *
 * Tokens are `{{context.<field>}}` for a root-level primitive context field, or one of the user
 * identifiers `userPractitionerId`, `userPractitionerRoleId`, `userPatientId`,
 * `userRelatedPersonId` (derived from `context.userId`, which is `ResourceType/id`).
 * 2.0 allows only root-level primitive fields as tokens, so no FHIRPath is evaluated here.
 */

const TOKEN = /\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g;

const USER_TOKENS: Readonly<Record<string, string>> = {
  userPractitionerId: 'Practitioner',
  userPractitionerRoleId: 'PractitionerRole',
  userPatientId: 'Patient',
  userRelatedPersonId: 'RelatedPerson',
};

function tokenValue(token: string, context: Readonly<Record<string, unknown>>): string | null {
  if (token.startsWith('context.')) {
    const value = context[token.slice('context.'.length)];
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
  }
  const userType = USER_TOKENS[token];
  if (userType !== undefined && typeof context.userId === 'string') {
    const [type, id] = context.userId.split('/');
    return type === userType && id !== undefined && id !== '' ? id : null;
  }
  return null;
}

/**
 * The relative FHIR request URL for one template, or null when a token has no value in this
 * context (e.g. `{{context.encounterId}}` on a call without an encounter): such a key cannot be
 * asked of the FHIR server, so it stays unresolved.
 */
export function renderPrefetchTemplate(template: string, context: Readonly<Record<string, unknown>>): string | null {
  const unresolved: string[] = [];
  const rendered = template.replace(TOKEN, (_match, token: string) => {
    const value = tokenValue(token, context);
    if (value === null) {
      unresolved.push(token);
      return '';
    }
    // Values go into a URL path or query: encode so an id can never add a parameter or a path segment.
    return encodeURIComponent(value);
  });
  return unresolved.length > 0 ? null : rendered;
}

/** The resource type a rendered template asks for: `Patient/1` → Patient; `Condition?patient=1` → Condition. */
export function templateResourceType(renderedUrl: string): string {
  const match = /^\/?([A-Z][A-Za-z]+)/.exec(renderedUrl);
  return match?.[1] ?? 'unknown';
}

/** What a read (`Type/id`) asks for: `Patient/1` → Patient, 1; undefined for a search. */
export function readTarget(renderedUrl: string): { readonly resourceType: string; readonly id: string } | undefined {
  const match = /^\/?([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(renderedUrl);
  return match?.[1] === undefined || match[2] === undefined ? undefined : { resourceType: match[1], id: match[2] };
}

/** A read (`Type/id`) answers one resource; anything else is a search answered by a searchset Bundle. */
export function isReadTemplate(renderedUrl: string): boolean {
  return readTarget(renderedUrl) !== undefined;
}

/**
 * A search the service runs itself asks for large pages: the result set is the template's, only
 * the paging changes, and fewer round trips fit the time budget (an unnarrowed Observation search
 * at a server's default 20 per page would need hundreds). Servers cap `_count` to their own
 * maximum and page on. A template's own `_count` is kept.
 */
export function withPageSize(renderedUrl: string, pageSize: number): string {
  if (isReadTemplate(renderedUrl) || /[?&]_count=/.test(renderedUrl)) return renderedUrl;
  return `${renderedUrl}${renderedUrl.includes('?') ? '&' : '?'}_count=${pageSize}`;
}
