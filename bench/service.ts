/**
 * The service as the benchmark runs it: buildApp() as the server builds it (the clinical decider
 * over the bundled rules is its default) with a test-like configuration (silent logs, no auth, no
 * rate limit in the way of the load), listening on 127.0.0.1.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { testConfig } from '../src/config.js';

/** The settings the benchmark and the soak test use; `env` overrides them. */
export const BENCH_ENV: Readonly<Record<string, string>> = {
  LOG_LEVEL: 'silent',
  AUTH_MODE: 'none',
  HOST: '127.0.0.1',
  PORT: '0',
  RATE_LIMIT_MAX: '1000000',
};

export async function startService(env: Readonly<Record<string, string>>): Promise<FastifyInstance> {
  const app = await buildApp(testConfig({ ...BENCH_ENV, ...env }));
  await app.ready();
  return app;
}
