/**
 * The floor: the least a Fastify server must do for a hook call — parse the same JSON body
 * (Fastify's default parser, same body limit) and answer `{"cards": []}`. The service's
 * throughput and latency are reported as ratios to this, measured in the same run on the same
 * machine, so that a noisy shared machine moves both alike.
 *
 * With `fhirQueries` it is the floor of scenario (c) as well: a call whose body names a
 * `fhirServer` fetches those queries (relative to it: the service's own queries, bench/fhir-queries.ts)
 * all at once with Node's fetch (what fhir-kit-client sends through), reads and parses every
 * answer, and only then answers `{"cards": []}`: one parallel round of the same requests, with no
 * clinical work, no paging, no checks.
 */
import Fastify, { type FastifyInstance } from 'fastify';

export function buildFloor(bodyLimit: number, answer: unknown = { cards: [] }, fhirQueries: readonly string[] = []): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit });
  // The body is parsed by Fastify before the handler runs (content-type application/json).
  // `answer`: the benchmark's decomposition also runs a floor that answers the service's own cards.
  if (fhirQueries.length === 0) {
    app.post('/cds-services/:id', () => answer);
    return app;
  }
  app.post('/cds-services/:id', async (request) => {
    const fhirServer = (request.body as { fhirServer?: unknown } | null)?.fhirServer;
    if (typeof fhirServer === 'string') {
      await Promise.all(fhirQueries.map(async (query) => JSON.parse(await (await fetch(`${fhirServer}/${query}`)).text()) as unknown));
    }
    return answer;
  });
  return app;
}
