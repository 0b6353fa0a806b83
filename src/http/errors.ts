/**
 * The one place errors become HTTP (fastify/demo and medplum habit): every error answer is a FHIR
 * OperationOutcome (CDS Hooks 2.0 "Returning OperationOutcome"). 4xx answers say what was wrong;
 * 5xx answers say only "Internal Server Error" while the log gets the whole story.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { OperationOutcomeError, operationOutcome, type IssueType } from '../fhir/operation-outcome.js';
import { responseSchema } from './zod-schemas.js';

export const OperationOutcomeSchema = z.object({
  resourceType: z.literal('OperationOutcome'),
  issue: z
    .array(
      z.object({
        severity: z.enum(['fatal', 'error', 'warning', 'information']),
        code: z.string(),
        details: z.object({ text: z.string() }).optional(),
        expression: z.array(z.string()).optional(),
      }),
    )
    .min(1),
});

/** The OperationOutcome response schema, for a route's `response` per status code. */
export const outcomeResponse = (description: string) => responseSchema(OperationOutcomeSchema, description);

function issueTypeFor(status: number): IssueType {
  switch (status) {
    case 401:
    case 403:
      return 'security';
    case 404:
      return 'not-found';
    case 408:
      return 'timeout';
    case 413:
    case 429:
      return 'too-costly';
    case 415:
      return 'not-supported';
    default:
      return 'invalid';
  }
}

export function handleError(error: FastifyError | OperationOutcomeError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof OperationOutcomeError) {
    if (error.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    return reply.code(error.statusCode).send(error.outcome);
  }
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
  if (status < 500) {
    // Fastify's own 4xx (body too large, bad JSON, wrong media type, …): their messages name no data.
    request.log.debug({ statusCode: status, code: error.code }, 'request refused');
    return reply.code(status).send(operationOutcome([{ code: issueTypeFor(status), text: error.message }]));
  }
  request.log.error({ err: error }, 'request failed');
  return reply.code(status).send(operationOutcome([{ code: 'exception', text: 'Internal Server Error' }], 'fatal'));
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(operationOutcome([{ code: 'not-found', text: `no route ${request.method} ${request.routeOptions.url ?? request.url.split('?')[0] ?? ''}` }])),
  );
}
