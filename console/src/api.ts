/**
 * The service's admin API, as the console calls it: the admin token as a Bearer header (never in
 * a URL), every error answer read from its OperationOutcome (design.md section 1).
 */
const TOKEN_KEY = 'onfh-cds.admin-token';

/** In memory, and in sessionStorage (this tab only, gone when it closes) so a reload keeps the session. */
let token: string | null = sessionStorage.getItem(TOKEN_KEY);

export const signedIn = (): boolean => token !== null;

export function setToken(value: string | null): void {
  token = value;
  if (value === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, value);
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

interface Outcome {
  resourceType?: unknown;
  issue?: { details?: { text?: unknown }; diagnostics?: unknown }[];
}

/** The issue texts of an OperationOutcome, or a sentence for an answer that is not one. */
function outcomeText(status: number, body: unknown): string {
  const o = body as Outcome | null;
  if (o && o.resourceType === 'OperationOutcome' && Array.isArray(o.issue)) {
    const texts = o.issue.map((i) => (typeof i.details?.text === 'string' ? i.details.text : typeof i.diagnostics === 'string' ? i.diagnostics : '')).filter(Boolean);
    if (texts.length > 0) return texts.join('; ');
  }
  return `the service answered ${status}`;
}

/** A JSON call; `body` a string is sent as is (the service judges text that is not JSON). */
export async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown, authToken = token): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (authToken !== null) headers.authorization = `Bearer ${authToken}`;
  let payload: string | undefined;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer' });
  } catch (e) {
    throw new ApiError(0, `the service could not be reached (${(e as Error).message})`);
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON: the status says enough
  }
  if (!res.ok) throw new ApiError(res.status, outcomeText(res.status, json));
  return json as T;
}
