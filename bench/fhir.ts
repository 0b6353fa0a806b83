/**
 * The FHIR server of scenario (c): the project's FHIR test server (test/support/fhir-server.ts,
 * @medplum/fhir-router's memory repository) holding the benchmark patient, with a fixed delay
 * injected on every answer.
 */
import type { Resource } from '@medplum/fhirtypes';
import { startFhirServer as startFhirTestServer } from '../test/support/fhir-server.js';

export interface BenchFhirServer {
  readonly baseUrl: string;
  close(): Promise<void>;
}

export async function startFhirServer(resources: readonly Resource[], delayMs: number, pageSize: number): Promise<BenchFhirServer> {
  const server = await startFhirTestServer({ pageSize });
  await server.seed(resources);
  if (delayMs > 0) server.injectFault({ fault: { kind: 'delay', ms: delayMs } });
  return { baseUrl: server.baseUrl, close: () => server.close() };
}
