/**
 * buildApp(config): the whole HTTP service as a Fastify instance that never listens
 * (fastify/demo habit: server.ts listens; tests build the app and use inject or listen on port 0).
 * Order matters: body parser, error handling, OpenAPI, security and metrics first, then routes.
 */
import { readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { registerSecurity, securityStatus, type SecurityOptions } from './auth/index.js';
import { registerClinicalRoutes } from './http/clinical-routes.js';
import { registerRulePages } from './http/rule-pages.js';
import { registerConsole } from './http/console.js';
import { loadRules, type LoadedRules } from './rules/index.js';
import type { FeedbackItem } from './cds-hooks/feedback.js';
import { ONFH_SERVICES, type ServiceDefinition } from './cds-hooks/services.js';
import type { Config } from './config.js';
import { registerCdsServiceRoutes } from './http/cds-services.js';
import { registerErrorHandling } from './http/errors.js';
import { registerHealthRoutes } from './http/health.js';
import { registerJsonBodyParser } from './http/json-body.js';
import { loggerOptions } from './http/logging.js';
import { registerOpenApi, registerOpenApiRoute } from './http/openapi.js';
import { warmUp } from './http/warm-up.js';
import { registerMetrics, setRuleSetVersions } from './metrics/index.js';
import { createPipeline, type CdsDecider } from './pipeline/index.js';
import { registerAdminRoutes } from './http/admin-routes.js';
import { registerDecisionStore, type StoreTuning } from './store/plugin.js';

export type { CdsDecider, CdsDecisionInput } from './pipeline/index.js';

export interface BuildAppOptions {
  /** The rule sets the engine runs. Default: loaded from config.RULES_DIR (a fault refuses the start). */
  readonly rules?: LoadedRules;
  /** Hook call → cards and notes. Default: the pipeline over `rules` (src/pipeline/). */
  readonly decide?: CdsDecider;
  /** Test-only security seams (clock, key-set timings); see src/auth. */
  readonly security?: SecurityOptions;
  /** The CDS services offered (discovery + calls). Default: ONFH_SERVICES (design.md section 1). */
  readonly services?: readonly ServiceDefinition[];
  /** Where pino writes (tests capture log lines here). Default: stdout. */
  readonly logStream?: DestinationStream;
  /** The clock handed to the decider (tests pass a fixed date). Default: the system clock. */
  readonly now?: () => Date;
  /** Run the hook path once before the app is ready (src/http/warm-up.ts). Default: on, except NODE_ENV=test. */
  readonly warmUp?: boolean;
  /** Feedback after it has been validated and logged (e.g. into a store). */
  readonly onFeedback?: (serviceId: string, feedback: readonly FeedbackItem[]) => void | Promise<void>;
  /** The decision store (src/store): default on, except NODE_ENV=test; false: off; an object: on, with test tunables. */
  readonly store?: StoreTuning | false;
}

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export async function buildApp(config: Config, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(config, options.logStream),
    // One line per hook call is written by the hook route; per-request lines would double it on the hot path.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    // server.ts sets the request and headers timeouts; Node enforces them on each sweep of its
    // connections, every 30 s by default, so sweep every second for a timeout to mean what it says.
    http: { connectionsCheckingInterval: 1000 },
    return503OnClosing: true,
  });

  // Rules first: a fault in a rule file stops the start with the file and JSON path (design.md section 2).
  const rules = options.rules ?? (await loadRules(config.RULES_DIR));
  app.log.info(
    { event: 'rules.loaded', dir: rules.dir, ruleSets: rules.sets.map((r) => ({ id: r.id, version: r.version, status: r.status, sha256: r.sha256 })) },
    'rules loaded',
  );
  setRuleSetVersions(rules.active);

  registerJsonBodyParser(app, config.MAX_JSON_DEPTH);
  registerErrorHandling(app);
  await registerOpenApi(app, PACKAGE_VERSION);
  await registerSecurity(app, config, options.security);
  await registerMetrics(app, config);

  const now = options.now ?? (() => new Date());
  registerHealthRoutes(app, () => securityStatus(app));
  const pipeline = createPipeline(rules, { publicBaseUrl: config.PUBLIC_BASE_URL });
  const services = options.services ?? ONFH_SERVICES;
  const decide = options.decide ?? pipeline.decide;
  const store = registerDecisionStore(app, config, rules, now, options.store, options.onFeedback);
  registerCdsServiceRoutes(app, {
    config,
    services,
    pipeline: options.decide === undefined ? pipeline : { decide: options.decide },
    now,
    onFeedback: store.onFeedback,
  });
  registerClinicalRoutes(app, pipeline, now, config.MAX_RESOURCES);
  await registerRulePages(app, rules);
  registerAdminRoutes(app, config, store.store, now);
  await registerConsole(app, config, pipeline, now);
  registerOpenApiRoute(app);
  // Before listen, so /readyz turns 200 only once the hook path is compiled (src/http/warm-up.ts).
  if (options.warmUp ?? config.NODE_ENV !== 'test') {
    app.log.info({ event: 'warm-up', durationMs: Math.round(warmUp({ pipeline, decide, services })) }, 'hook path warmed up');
  }
  return app;
}
