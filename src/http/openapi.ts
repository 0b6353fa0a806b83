/**
 * The OpenAPI 3 document, generated from the routes' schemas (zod → JSON Schema) by
 * @fastify/swagger and served at `GET /openapi.json`; `npm run openapi` writes the committed copy
 * (openapi/openapi.json) and a test fails when that copy drifts from the code.
 */
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { zodToOpenApiTransform } from './zod-schemas.js';

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'onfh-cds',
        description:
          'CDS Hooks 2.0 service for the non-surgical management of osteonecrosis of the femoral head (ONFH). ' +
          'Error answers are FHIR R4 OperationOutcome resources.',
        version,
      },
      tags: [
        { name: 'cds-hooks', description: 'CDS Hooks 2.0: discovery, service calls, feedback' },
        { name: 'operations', description: 'Health, readiness, metrics, this document' },
        { name: 'admin', description: 'Decisions and feedback analytics (ADMIN_TOKEN; 404 when unset)' },
      ],
      components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' } } },
    },
    transform: zodToOpenApiTransform,
  });
}

/** The route serving the document; registered after every other route (swagger collects them on ready). */
export function registerOpenApiRoute(app: FastifyInstance): void {
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
}
