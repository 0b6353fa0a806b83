/**
 * The service as the benchmark runs it: buildApp() with a test-like configuration (silent logs,
 * no auth, no rate limit in the way of the load), the clinical decider on the bundled rules,
 * listening on 127.0.0.1.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildAppOptions } from '../src/app.js';
import { testConfig, type Config } from '../src/config.js';

/** The settings the benchmark and the soak test use; `env` overrides them. */
export const BENCH_ENV: Readonly<Record<string, string>> = {
  LOG_LEVEL: 'silent',
  AUTH_MODE: 'none',
  HOST: '127.0.0.1',
  PORT: '0',
  RATE_LIMIT_MAX: '1000000',
};

/**
 * The engine and cards as the server wires them (src/clinical.ts: clinicalDecider over loadRules),
 * loaded by name so that the benchmark still runs, without cards, where that module is absent.
 */
async function clinicalOptions(config: Config): Promise<BuildAppOptions> {
  const clinicalModule = '../src/clinical.js';
  const rulesModule = '../src/rules/index.js';
  try {
    const { clinicalDecider } = (await import(clinicalModule)) as { clinicalDecider: (rules: unknown) => NonNullable<BuildAppOptions['decide']> };
    const { loadRules } = (await import(rulesModule)) as { loadRules: (dir: string) => Promise<unknown> };
    return { decide: clinicalDecider(await loadRules(config.RULES_DIR)) };
  } catch (error) {
    process.stderr.write(`bench: no clinical decider (${error instanceof Error ? error.message : 'unknown error'}): the service answers no cards\n`);
    return {};
  }
}

export async function startService(env: Readonly<Record<string, string>>): Promise<FastifyInstance> {
  const config = testConfig({ ...BENCH_ENV, ...env });
  const app = await buildApp(config, await clinicalOptions(config));
  await app.ready();
  return app;
}
