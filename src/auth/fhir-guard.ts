/**
 * Where the service may send a FHIR request and the client's access token (issue 5, item 4).
 * STUB until the trust work lands: allows every server.
 */
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.js';

/** null when the call may be made; otherwise the reason it may not (logged, never sent to a FHIR server). */
export function fhirServerRefusal(request: FastifyRequest, fhirServer: string, config: Config): string | null {
  void request;
  void fhirServer;
  void config;
  return null;
}
