/**
 * The app under test: buildApp (src/app.ts) with a captured log, or, for the few cases that
 * need an injected clock, JWK Set cooldown or load state, a bare Fastify instance with
 * registerSecurity and stand-in routes of the same shape.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildApp, type BuildAppOptions } from '../../src/app.js';
import { fhirServerRefusal, registerSecurity, type SecurityOptions } from '../../src/auth/index.js';
import { testConfig, type Config } from '../../src/config.js';
import { ONFH_PREFETCH } from '../../src/cds-hooks/services.js';
import { LogSink, PUBLIC_BASE_URL } from './helpers.js';

export type Env = Parameters<typeof testConfig>[0];

export interface AppUnderTest {
  readonly app: FastifyInstance;
  readonly logs: LogSink;
  readonly config: Config;
}

export function securityConfig(env: Env = {}): Config {
  return testConfig({ LOG_LEVEL: 'info', PUBLIC_BASE_URL, AUTH_MODE: 'jwt', ...env });
}

export async function startApp(env: Env = {}, options: Omit<BuildAppOptions, 'logStream'> = {}): Promise<AppUnderTest> {
  const logs = new LogSink();
  const config = securityConfig(env);
  const app = await buildApp(config, { ...options, logStream: logs });
  await app.ready();
  return { app, logs, config };
}

/** registerSecurity on a bare Fastify, with stand-in routes: for injected options only. */
export async function startBareApp(env: Env = {}, options: SecurityOptions = {}): Promise<AppUnderTest> {
  const logs = new LogSink();
  const config = securityConfig(env);
  const app = Fastify({ logger: { level: 'info', stream: logs } });
  await registerSecurity(app, config, options);
  app.get('/cds-services', () => ({ services: [] }));
  app.get('/healthz', () => ({ status: 'ok' }));
  app.post('/cds-services/:id', (request) => {
    const body = request.body as { fhirServer?: string };
    const refusal = body.fhirServer === undefined ? null : fhirServerRefusal(request, body.fhirServer, config);
    return { cards: [], client: request.cdsClient?.iss ?? null, refusal };
  });
  app.post('/cds-services/:id/feedback', () => ({}));
  await app.ready();
  return { app, logs, config };
}

/** A patient-view call whose prefetch keys are all given as null ("no data", not fetched). */
export function hookBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    hook: 'patient-view',
    hookInstance: randomUUID(),
    context: { userId: 'Practitioner/example', patientId: '123' },
    prefetch: {
      patient: { resourceType: 'Patient', id: '123', gender: 'male', birthDate: '1970-01-01' },
      ...Object.fromEntries(Object.keys(ONFH_PREFETCH).filter((key) => key !== 'patient').map((key) => [key, null])),
    },
    ...extra,
  };
}

/** A feedback body (CDS Hooks 2.0 "Feedback"). */
export function feedbackBody(): Record<string, unknown> {
  return { feedback: [{ card: randomUUID(), outcome: 'overridden', outcomeTimestamp: '2026-11-21T10:00:00Z' }] };
}
