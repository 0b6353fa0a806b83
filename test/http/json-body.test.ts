import fc from 'fast-check';
import secureJson from 'secure-json-parse';
import { describe, expect, it } from 'vitest';
import { OperationOutcomeError } from '../../src/fhir/operation-outcome.js';
import { parseJsonBody, scanJson } from '../../src/http/json-body.js';

/** The 400's text, or the value: what a client would see of parseJsonBody. */
function outcome(text: string, depth = 100): { value: unknown } | { error: string } {
  try {
    return { value: parseJsonBody(text, depth) };
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    return { error: `${String(error.statusCode)} ${error.outcome.issue.map((i) => i.details?.text ?? '').join('; ')}` };
  }
}

/** What Fastify's own parser (secure-json-parse, protoAction and constructorAction 'error') accepts. */
function secureAccepts(text: string): boolean {
  try {
    secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
    return true;
  } catch {
    return false;
  }
}

describe('parseJsonBody', () => {
  it('refuses prototype-poisoning keys, plain or escaped, with a 400', () => {
    for (const text of [
      '{"__proto__":{"x":1}}',
      '{"a":[{"__proto__":1}]}',
      '{"\\u005f_proto__":{}}',
      '{"\\u005F\\u005Fproto\\u005f\\u005f":{}}',
      '{"constructor":{"prototype":{"x":1}}}',
      '{"c\\u006fnstructor":{"prototype":{}}}',
    ]) {
      expect(outcome(text), text).toEqual({ error: '400 body: is not valid JSON (or holds a __proto__ or constructor key)' });
    }
  });

  it('accepts those words where they do no harm, as Fastify does', () => {
    expect(outcome('{"text":"__proto__","constructor":"x"}')).toEqual({ value: { text: '__proto__', constructor: 'x' } });
    expect(outcome('{"note":"the constructor of \\"__proto__\\""}')).toEqual({ value: { note: 'the constructor of "__proto__"' } });
  });

  it('names nesting deeper than the limit and empty or broken bodies', () => {
    expect(outcome('[[[[1]]]]', 3)).toEqual({ error: '400 body: JSON nesting deeper than 3 levels (MAX_JSON_DEPTH)' });
    expect(outcome('  ')).toEqual({ error: '400 body: is empty; a JSON object is expected' });
    expect(outcome('{"a":')).toEqual({ error: '400 body: is not valid JSON (or holds a __proto__ or constructor key)' });
    expect(outcome('"unterminated')).toEqual({ error: '400 body: is not valid JSON (or holds a __proto__ or constructor key)' });
  });

  it('accepts and refuses exactly what secure-json-parse does, for any JSON with risky keys', () => {
    const risky = fc.constantFrom('__proto__', 'constructor', 'prototype', '\\u005f_proto__', 'c\\u006fnstructor', 'a\\"b', 'x');
    // JSON texts with the risky keys spliced in raw (escapes included), at any depth
    const value = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.jsonValue({ maxDepth: 1 }).map((v) => JSON.stringify(v)),
        fc.array(fc.tuple(risky, tie('node')), { maxLength: 3 }).map((pairs) => `{${pairs.map(([k, v]) => `"${k}":${v}`).join(',')}}`),
        fc.array(tie('node'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
      ),
    })).node;
    fc.assert(
      fc.property(value, (text) => {
        const mine = outcome(text);
        expect('value' in mine, text).toBe(secureAccepts(text));
        if ('value' in mine) expect(mine.value).toEqual(JSON.parse(text));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('scanJson', () => {
  it('says plain only when no string could spell a poisoning key', () => {
    expect(scanJson('{"resourceType":"Observation","id":"a"}', 10)).toBe('plain');
    expect(scanJson('{"__proto__":1}', 10)).toBe('suspect-key');
    expect(scanJson('{"a":"constructor"}', 10)).toBe('suspect-key');
    expect(scanJson('{"a":"\\u0041 long enough string"}', 10)).toBe('suspect-key');
    expect(scanJson('[[[]]]', 2)).toBe('too-deep');
  });
});
