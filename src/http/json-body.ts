/**
 * The JSON body parser of the whole app: Fastify's own parser (prototype-poisoning checks kept),
 * preceded by a nesting-depth check. The depth is measured on the raw text in one linear pass,
 * before anything is built, so a body of 100 000 nested arrays costs a scan, not a stack.
 */
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { badRequest } from '../fhir/operation-outcome.js';

/**
 * Whether a JSON text nests `{`/`[` deeper than `limit`, stopping as soon as it does. String
 * contents are skipped with indexOf (most bytes of FHIR JSON are inside strings); a quote ends a
 * string unless an odd number of backslashes precedes it. An unterminated string stops the scan:
 * the parser refuses such a text anyway.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let close = i;
      for (;;) {
        close = text.indexOf('"', close + 1);
        if (close < 0) return false;
        let backslash = close - 1;
        while (text.charCodeAt(backslash) === 0x5c /* \ */) backslash--;
        if ((close - 1 - backslash) % 2 === 0) break;
      }
      i = close;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}

/**
 * A request body's text → its value, as the route handlers get it; throws the 400 OperationOutcomeError
 * that names what is wrong (nesting deeper than `maxDepth`, empty, not JSON, a `__proto__` or
 * `constructor` key: prototype-poisoning checks as Fastify's own parser makes them).
 */
export function parseJsonBody(text: string, maxDepth: number): unknown {
  if (jsonDepthExceeds(text, maxDepth)) throw badRequest(`body: JSON nesting deeper than ${maxDepth} levels (MAX_JSON_DEPTH)`);
  try {
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch {
    throw badRequest(text.trim() === '' ? 'body: is empty; a JSON object is expected' : 'body: is not valid JSON (or holds a __proto__ or constructor key)');
  }
}

export function registerJsonBodyParser(app: FastifyInstance, maxDepth: number): void {
  app.removeContentTypeParser('application/json');
  // application/fhir+json too: POST /assessment takes a FHIR Bundle as FHIR clients send it.
  app.addContentTypeParser(['application/json', 'application/fhir+json'], { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(typeof body === 'string' ? body : body.toString('utf8'), maxDepth));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
