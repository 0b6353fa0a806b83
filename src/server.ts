/**
 * The process: load the configuration, build the app, listen, and close gracefully
 * (fastify/demo habit: app.ts never listens; this file does, with the server timeouts).
 *
 * Graceful shutdown on SIGTERM / SIGINT: `/readyz` turns 503 and the server stops accepting
 * connections at once; requests already in flight finish (Fastify answers 503 to any new request
 * on a kept-alive connection meanwhile), and the process exits 0. If they have not finished
 * within SHUTDOWN_TIMEOUT_MS, the remaining connections are cut and the process exits 1.
 */
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildAppOptions } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';

export interface RunningServer {
  readonly app: FastifyInstance;
  /** e.g. http://127.0.0.1:3000 */
  readonly address: string;
  /** Begins the graceful shutdown (once); resolves with the exit code: 0 drained, 1 cut at the timeout. */
  shutdown(reason?: string): Promise<number>;
}

export interface StartOptions extends BuildAppOptions {
  /** Install SIGTERM/SIGINT handlers that shut down and then call `exit`. Default: true. */
  readonly handleSignals?: boolean;
  /** Called with the exit code after a signal-triggered shutdown. Default: process.exit. */
  readonly exit?: (code: number) => void;
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const app = await buildApp(config, options);
  // Slow clients: a whole request within REQUEST_TIMEOUT_MS, its headers within HEADERS_TIMEOUT_MS
  // (Node requires headersTimeout <= requestTimeout).
  app.server.requestTimeout = config.REQUEST_TIMEOUT_MS;
  app.server.headersTimeout = Math.min(config.HEADERS_TIMEOUT_MS, config.REQUEST_TIMEOUT_MS);
  const address = await app.listen({ host: config.HOST, port: config.PORT });

  let closing: Promise<number> | undefined;
  const signalHandlers = new Map<NodeJS.Signals, () => void>();
  const shutdown = (reason = 'shutdown requested'): Promise<number> => {
    closing ??= (async () => {
      for (const [signal, handler] of signalHandlers) process.removeListener(signal, handler);
      app.readiness.shuttingDown = true;
      app.log.info({ event: 'server.shutdown', reason, timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutting down: draining in-flight requests');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<number>((resolve) => {
        timer = setTimeout(() => {
          app.log.error({ event: 'server.shutdown.timeout' }, 'in-flight requests outlived SHUTDOWN_TIMEOUT_MS; closing their connections');
          app.server.closeAllConnections();
          resolve(1);
        }, config.SHUTDOWN_TIMEOUT_MS);
      });
      // A kept-alive connection whose last request finished after close() began is idle but open,
      // and would hold close() until the timeout: close such connections as they turn idle.
      const idleSweep = setInterval(() => {
        app.server.closeIdleConnections();
      }, 50);
      const drained = app.close().then(() => 0);
      const code = await Promise.race([drained, timedOut]);
      clearTimeout(timer);
      clearInterval(idleSweep);
      app.log.info({ event: 'server.stopped', exitCode: code }, 'stopped');
      return code;
    })();
    return closing;
  };

  if (options.handleSignals ?? true) {
    const exit = options.exit ?? ((code: number) => process.exit(code));
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const handler = () => {
        void shutdown(signal).then(exit);
      };
      signalHandlers.set(signal, handler);
      process.once(signal, handler);
    }
  }
  return { app, address, shutdown };
}

export interface MainOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** What buildApp gets besides the config, made once the config is known (e.g. the decider over the loaded rules). */
  readonly appOptions?: (config: Config) => BuildAppOptions | Promise<BuildAppOptions>;
  readonly exit?: (code: number) => void;
  /** Where a configuration error is written. Default: stderr. */
  readonly writeError?: (message: string) => void;
}

/** The entry point: a bad configuration value is named on stderr and the process exits 1. */
export async function main(options: MainOptions = {}): Promise<RunningServer | undefined> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const writeError = options.writeError ?? ((message: string) => process.stderr.write(`${message}\n`));
  let config: Config;
  try {
    config = loadConfig(options.env ?? process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    writeError(error.message);
    exit(1);
    return undefined;
  }
  const appOptions = (await options.appOptions?.(config)) ?? {};
  return startServer(config, { ...appOptions, exit });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
