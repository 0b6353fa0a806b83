/**
 * The floor: the least a Fastify server must do for a hook call — parse the same JSON body
 * (Fastify's default parser, same body limit) and answer `{"cards": []}`. The service's
 * throughput and latency are reported as ratios to this, measured in the same run on the same
 * machine, so that a noisy shared machine moves both alike.
 */
import Fastify, { type FastifyInstance } from 'fastify';

export function buildFloor(bodyLimit: number, answer: unknown = { cards: [] }): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit });
  // The body is parsed by Fastify before the handler runs (content-type application/json).
  // `answer`: the benchmark's decomposition also runs a floor that answers the service's own cards.
  app.post('/cds-services/:id', () => answer);
  return app;
}
