/**
 * pino options for the service (fastify's logger). Patient data and credentials never reach a log
 * line: the code logs ids, counts and statuses only, and redaction is the safety net for anything
 * that slips into a logged object: the Authorization header (CDS client JWT), fhirAuthorization
 * (the FHIR bearer token), and request parts that carry FHIR resources (prefetch, context, bodies).
 */
import type { FastifyServerOptions } from 'fastify';
import type { DestinationStream } from 'pino';
import type { Config } from '../config.js';

export const REDACTED_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'fhirAuthorization',
  '*.fhirAuthorization',
  'access_token',
  '*.access_token',
  'prefetch',
  '*.prefetch',
  'context',
  '*.context',
  'body',
  '*.body',
  'resource',
  '*.resource',
  'resources',
  '*.resources',
  'record',
  '*.record',
];

export function loggerOptions(config: Config, stream?: DestinationStream): NonNullable<FastifyServerOptions['logger']> {
  return {
    level: config.LOG_LEVEL,
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    ...(stream === undefined ? {} : { stream }),
  };
}
