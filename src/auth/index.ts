/**
 * Security for the HTTP surface (issue 5): JWT client authentication, limits, headers, CORS.
 * STUB until the trust work lands: registers nothing. buildApp() calls it once, before routes.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';

export function registerSecurity(app: FastifyInstance, config: Config): Promise<void> {
  void app;
  void config;
  return Promise.resolve();
}
