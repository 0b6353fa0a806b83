/**
 * buildApp(config): the whole HTTP service as a Fastify instance that never listens
 * (fastify/demo habit: server.ts listens; tests build the app and use inject or listen on port 0).
 * Order matters: body parser, error handling, OpenAPI, security and metrics first, then routes.
 */
import { readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { registerSecurity } from './auth/index.js';
import type { FeedbackItem } from './cds-hooks/feedback.js';
import { ONFH_SERVICES, type ServiceDefinition } from './cds-hooks/services.js';
import type { Config } from './config.js';
import { noCards, registerCdsServiceRoutes, type CdsDecider } from './http/cds-services.js';
import { registerErrorHandling } from './http/errors.js';
import { registerHealthRoutes } from './http/health.js';
import { registerJsonBodyParser } from './http/json-body.js';
import { loggerOptions } from './http/logging.js';
import { registerOpenApi, registerOpenApiRoute } from './http/openapi.js';
import { registerMetrics } from './metrics/index.js';

export type { CdsDecider, CdsDecisionInput } from './http/cds-services.js';

export interface BuildAppOptions {
  /** Hook call → cards (the engine and cards modules). Default: no cards. */
  readonly decide?: CdsDecider;
  /** The CDS services offered (discovery + calls). Default: ONFH_SERVICES (design.md section 1). */
  readonly services?: readonly ServiceDefinition[];
  /** Where pino writes (tests capture log lines here). Default: stdout. */
  readonly logStream?: DestinationStream;
  /** The clock handed to the decider (tests pass a fixed date). Default: the system clock. */
  readonly now?: () => Date;
  /** Feedback after it has been validated and logged (e.g. into a store). */
  readonly onFeedback?: (serviceId: string, feedback: readonly FeedbackItem[]) => void | Promise<void>;
}

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export async function buildApp(config: Config, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(config, options.logStream),
    // One line per hook call is written by the hook route; per-request lines would double it on the hot path.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    // server.ts sets the request and headers timeouts; Node enforces them on each sweep of its
    // connections, every 30 s by default, so sweep every second for a timeout to mean what it says.
    http: { connectionsCheckingInterval: 1000 },
    return503OnClosing: true,
  });

  registerJsonBodyParser(app, config.MAX_JSON_DEPTH);
  registerErrorHandling(app);
  await registerOpenApi(app, PACKAGE_VERSION);
  await registerSecurity(app, config);
  await registerMetrics(app, config);

  registerHealthRoutes(app);
  registerCdsServiceRoutes(app, {
    config,
    services: options.services ?? ONFH_SERVICES,
    decide: options.decide ?? noCards,
    now: options.now ?? (() => new Date()),
    onFeedback: options.onFeedback,
  });
  registerOpenApiRoute(app);
  return app;
}
