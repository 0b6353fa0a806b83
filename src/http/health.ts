/**
 * Liveness and readiness (design.md section 1; docker/k8s probes). `/healthz` answers while the
 * process can answer at all; `/readyz` answers 503 before the app is ready, while any readiness
 * check fails (e.g. rules not loaded), and from the moment shutdown begins, so a load balancer
 * stops sending new hook calls while in-flight ones finish.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { responseSchema } from './zod-schemas.js';

export class Readiness {
  started = false;
  shuttingDown = false;
  private readonly checks = new Map<string, () => boolean>();

  /** A condition for readiness, e.g. `addCheck('rules', () => store.loaded)`. */
  addCheck(name: string, isReady: () => boolean): void {
    this.checks.set(name, isReady);
  }

  /** Why the app is not ready; empty when it is. */
  reasons(): string[] {
    const reasons: string[] = [];
    if (!this.started) reasons.push('starting');
    if (this.shuttingDown) reasons.push('shutting-down');
    for (const [name, isReady] of this.checks) if (!isReady()) reasons.push(name);
    return reasons;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    readonly readiness: Readiness;
  }
}

const HealthSchema = z.object({ status: z.literal('ok') });
const SecuritySchema = z.object({
  authMode: z.enum(['jwt', 'none']),
  trustedClients: z.number().int(),
  warnings: z.array(z.string()).optional().describe('e.g. AUTH_MODE=none: every caller is trusted'),
});
const ReadySchema = z.object({
  status: z.enum(['ready', 'not-ready']),
  reasons: z.array(z.string()).optional(),
  security: SecuritySchema,
});

/** What /readyz tells about authentication (issue 5: AUTH_MODE=none shows as a warning there). */
export type SecuritySummary = () => { readonly authMode: 'jwt' | 'none'; readonly trustedClients: number; readonly warnings: readonly string[] };

export function registerHealthRoutes(app: FastifyInstance, security: SecuritySummary): void {
  app.decorate('readiness', new Readiness());
  app.addHook('onReady', () => {
    app.readiness.started = true;
    return Promise.resolve();
  });
  app.addHook('preClose', () => {
    app.readiness.shuttingDown = true;
    return Promise.resolve();
  });

  app.get(
    '/healthz',
    { schema: { summary: 'Liveness', tags: ['operations'], response: { 200: responseSchema(HealthSchema, 'The process is alive') } } },
    () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: 503 while starting, when a readiness check fails, or once shutdown has begun',
        tags: ['operations'],
        response: { 200: responseSchema(ReadySchema, 'Ready for hook calls'), 503: responseSchema(ReadySchema, 'Not ready') },
      },
    },
    (_request, reply) => {
      const reasons = app.readiness.reasons();
      const { authMode, trustedClients, warnings } = security();
      // No empty arrays on the wire: warnings only when there are some.
      const securityPart = { authMode, trustedClients, ...(warnings.length > 0 ? { warnings: [...warnings] } : {}) };
      return reasons.length === 0
        ? { status: 'ready' as const, security: securityPart }
        : reply.code(503).send({ status: 'not-ready' as const, reasons, security: securityPart });
    },
  );
}
