/**
 * The JSON body parser of the whole app: a nesting-depth check and prototype-poisoning checks as
 * Fastify's own parser makes them. The depth is measured on the raw text in one linear pass,
 * before anything is built, so a body of 100 000 nested arrays costs a scan, not a stack.
 */
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { badRequest } from '../fhir/operation-outcome.js';

/** What one scan of a JSON text found (see scanJson). */
export type JsonScan = 'too-deep' | 'suspect-key' | 'plain';

/**
 * Whether the string token `text[open..close]` (quotes included) spells `__proto__` or
 * `constructor` plainly. Escaped spellings need a `\u` escape, which scanJson looks for once.
 */
function spellsPoisonKey(text: string, open: number, close: number): boolean {
  const length = close - open - 1;
  return (length === 9 && text.startsWith('__proto__', open + 1)) || (length === 11 && text.startsWith('constructor', open + 1));
}

/**
 * One linear pass over a JSON text, before anything is built from it:
 * - 'too-deep' as soon as `{`/`[` nest deeper than `limit`;
 * - 'suspect-key' when some string token spells `__proto__` or `constructor`, or the text has a
 *   `\u` escape (the parse then takes secure-json-parse's full check, which decides);
 * - 'plain' otherwise.
 * String contents are skipped with indexOf (most bytes of FHIR JSON are inside strings); a quote
 * ends a string unless an odd number of backslashes precedes it. An unterminated string stops the
 * scan: the parser refuses such a text anyway.
 */
export function scanJson(text: string, limit: number): JsonScan {
  let depth = 0;
  // a \u escape anywhere may spell a key (JSON's other escapes cannot make a letter or "_")
  let suspect = text.includes('\\u');
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let close = i;
      for (;;) {
        close = text.indexOf('"', close + 1);
        if (close < 0) return suspect ? 'suspect-key' : 'plain';
        let backslash = close - 1;
        while (text.charCodeAt(backslash) === 0x5c /* \ */) backslash--;
        if ((close - 1 - backslash) % 2 === 0) break;
      }
      if (!suspect) suspect = spellsPoisonKey(text, i, close);
      i = close;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > limit) return 'too-deep';
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return suspect ? 'suspect-key' : 'plain';
}

/**
 * A request body's text → its value, as the route handlers get it; throws the 400 OperationOutcomeError
 * that names what is wrong (nesting deeper than `maxDepth`, empty, not JSON, a `__proto__` key or a
 * `constructor` key holding a `prototype`: the prototype-poisoning checks of Fastify's own parser).
 * A text with no string that could spell such a key (the scan says so) is parsed by JSON.parse
 * alone: secure-json-parse would only scan it again with two regular expressions.
 */
export function parseJsonBody(text: string, maxDepth: number): unknown {
  const scan = scanJson(text, maxDepth);
  if (scan === 'too-deep') throw badRequest(`body: JSON nesting deeper than ${maxDepth} levels (MAX_JSON_DEPTH)`);
  try {
    return scan === 'plain' ? JSON.parse(text) : secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
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
