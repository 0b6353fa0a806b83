/**
 * The JSON body parser of the whole app: Fastify's own parser (prototype-poisoning checks kept),
 * preceded by a nesting-depth check. The depth is measured on the raw text in one linear pass,
 * before anything is built, so a body of 100 000 nested arrays costs a scan, not a stack.
 */
import type { FastifyInstance } from 'fastify';
import { badRequest } from '../fhir/operation-outcome.js';

/** The deepest `{`/`[` nesting of a JSON text, stopping as soon as `limit` is passed. */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}

export function registerJsonBodyParser(app: FastifyInstance, maxDepth: number): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  // application/fhir+json too: POST /assessment takes a FHIR Bundle as FHIR clients send it.
  app.addContentTypeParser(['application/json', 'application/fhir+json'], { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (jsonDepthExceeds(text, maxDepth)) {
      done(badRequest(`body: JSON nesting deeper than ${maxDepth} levels (MAX_JSON_DEPTH)`), undefined);
      return;
    }
    void parseJson(request, text, done);
  });
}
