/**
 * The floor: the least a Fastify server must do for a hook call — parse the same JSON body
 * (Fastify's default parser, same body limit) and answer `{"cards": []}`. The service's
 * throughput and latency are reported as ratios to this, measured in the same run on the same
 * machine, so that a noisy shared machine moves both alike.
 */
import Fastify, { type FastifyInstance } from 'fastify';

export function buildFloor(bodyLimit: number): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit });
  // The body is parsed by Fastify before the handler runs (content-type application/json).
  app.post('/cds-services/:id', () => ({ cards: [] }));
  return app;
}
