/**
 * zod at the HTTP edge: request bodies are validated by zod (route-level validatorCompiler, so
 * other routes keep Fastify's Ajv), and every zod schema is turned into JSON Schema once, at
 * start, for @fastify/swagger and for fast-json-stringify (responses are serialized from a JSON
 * schema, never re-validated by zod per request: hook answers are on the EHR's ~500 ms path).
 */
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';
import { z } from 'zod';
import { OperationOutcomeError, type OutcomeIssue } from '../fhir/operation-outcome.js';

export type JsonSchema = Record<string, unknown>;

/** JSON Schema (draft-07, no `$schema`) of a zod schema: `input` for request bodies, `output` for responses. */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

/** A response schema for one status code: JSON Schema plus the description OpenAPI shows. */
export function responseSchema(schema: z.ZodType, description: string): JsonSchema {
  return { description, ...toJsonSchema(schema, 'output') };
}

/** "context.patientId", "prefetch.conditions", "feedback.0.card": the path a client can find in its JSON. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'symbol' ? p.toString() : String(p))).join('.');
}

/** zod issues → a 400 OperationOutcomeError whose issue texts name each field ("context.patientId: …"). */
export function validationError(error: z.ZodError, prefix = ''): OperationOutcomeError {
  const issues: OutcomeIssue[] = error.issues.slice(0, 20).map((issue) => {
    const path = prefix + issuePath(issue.path);
    const name = path === '' ? 'body' : path;
    return {
      code: issue.code === 'invalid_type' && issue.input === undefined ? 'required' : 'invalid',
      text: `${name}: ${issue.message}`,
      expression: name,
    };
  });
  return new OperationOutcomeError(400, issues);
}

/** Route-level validatorCompiler for zod schemas; the parsed (stripped, transformed) value replaces the input. */
export const zodValidatorCompiler: FastifySchemaCompiler<FastifySchema> = ({ schema, url, httpPart }) => {
  const zodSchema: unknown = schema;
  if (!isZodSchema(zodSchema)) throw new Error(`${url} ${String(httpPart)}: a zod schema is expected with zodValidatorCompiler`);
  return (data: unknown) => {
    const result = zodSchema.safeParse(data);
    return result.success ? { value: result.data } : { error: validationError(result.error) };
  };
};

function isZodSchema(value: unknown): value is z.ZodType {
  return value instanceof z.ZodType;
}

/** @fastify/swagger `transform`: zod parts of a route schema become JSON Schema in the OpenAPI document. */
export function zodToOpenApiTransform({ schema, url }: { schema: FastifySchema; url: string }): { schema: FastifySchema; url: string } {
  const parts = ['body', 'querystring', 'params', 'headers'] as const;
  const converted: Record<string, unknown> = { ...schema };
  for (const part of parts) {
    const value = schema[part];
    if (isZodSchema(value)) converted[part] = toJsonSchema(value, 'input');
  }
  return { schema: converted, url };
}
