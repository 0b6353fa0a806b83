/**
 * The FHIR server of scenario (c): the benchmark patient behind a fixed delay per answer.
 */
import type { Resource } from '@medplum/fhirtypes';
import { startFaultFhirServer, type JsonResource } from '../test/robustness/support/fault-fhir-server.js';

export interface BenchFhirServer {
  readonly baseUrl: string;
  close(): Promise<void>;
}

export async function startFhirServer(resources: readonly Resource[], delayMs: number): Promise<BenchFhirServer> {
  const server = await startFaultFhirServer({ resources: resources as readonly JsonResource[], delayMs });
  return { baseUrl: server.baseUrl, close: () => server.close() };
}
