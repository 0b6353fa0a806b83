/** Shared by the store tests: the example hook calls, an app with the store on, admin requests. */
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ThreadedPGlite } from '../../src/store/pglite-thread.js';
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildAppOptions } from '../../src/app.js';
import { testConfig } from '../../src/config.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef-xyz';
export const PSEUDONYM_KEY = 'test-pseudonym-key-0123456789abcdef-xyz';
/** The examples' patient is evaluated on this day (fixed `now`). */
export const NOW = new Date('2026-11-21T12:00:00Z');

const example = (name: string) => readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8');

/** examples/patient-view.json, for `patientId` (its resources renamed with it). */
export function patientView(patientId = 'onfh-ex-1'): Record<string, unknown> {
  return JSON.parse(example('patient-view.json').replaceAll('onfh-ex-1', patientId)) as Record<string, unknown>;
}

export function orderSign(): Record<string, unknown> {
  return JSON.parse(example('order-sign-bisphosphonate.json')) as Record<string, unknown>;
}

export interface CardOut {
  uuid: string;
  summary: string;
  indicator: string;
  overrideReasons?: { system: string; code: string; display: string }[];
  suggestions?: { uuid: string }[];
}

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

const PGLITE_VERSION = (
  JSON.parse(readFileSync(join(createRequire(import.meta.url).resolve('@electric-sql/pglite'), '../../package.json'), 'utf8')) as { version: string }
).version;

/**
 * A fresh PGlite DATA_DIR, copied from an empty cluster made once per machine and PGlite version:
 * creating a cluster takes PGlite 5-15 s (initdb in WebAssembly), copying its 40 MB well under one.
 * The service makes its own on first start (README "Decision store"); tests only save the wait.
 */
export async function pgliteDataDir(into = tempDir('onfh-pglite-')): Promise<string> {
  const template = join(tmpdir(), `onfh-pglite-template-${PGLITE_VERSION}`);
  if (!existsSync(template)) {
    const making = tempDir('onfh-pglite-making-');
    const db = new ThreadedPGlite(making);
    await db.waitReady;
    await db.close();
    try {
      renameSync(making, template); // atomic: a parallel test file may have won the race
    } catch {
      rmSync(making, { recursive: true, force: true });
    }
  }
  const dir = join(into, 'data');
  cpSync(template, dir, { recursive: true });
  return dir;
}

/** An app with the store on: PGlite in `dataDir`, or PostgreSQL at `databaseUrl`. */
export async function storeApp(
  where: { dataDir?: string; databaseUrl?: string },
  options: BuildAppOptions = {},
  env: Record<string, string> = {},
): Promise<FastifyInstance> {
  const config = testConfig({
    ADMIN_TOKEN,
    PSEUDONYM_KEY,
    ...(where.databaseUrl === undefined ? { DATA_DIR: where.dataDir ?? (await pgliteDataDir()) } : { DATABASE_URL: where.databaseUrl }),
    ...env,
  });
  return buildApp(config, { now: () => NOW, store: { flushIntervalMs: 20, retryMaxMs: 200 }, ...options });
}

export async function hook(app: FastifyInstance, body: Record<string, unknown>, service = 'onfh-patient-view'): Promise<CardOut[]> {
  const res = await app.inject({ method: 'POST', url: `/cds-services/${service}`, payload: body });
  if (res.statusCode !== 200) throw new Error(`hook call answered ${res.statusCode}: ${res.body}`);
  return res.json<{ cards: CardOut[] }>().cards;
}

export async function admin<T>(app: FastifyInstance, url: string): Promise<T> {
  const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}: ${res.body}`);
  return res.json<T>();
}

export function overrideOf(card: CardOut, code: string, at = NOW.toISOString()) {
  const reason = card.overrideReasons?.find((r) => r.code === code);
  if (reason === undefined) throw new Error(`card "${card.summary}" has no override reason ${code}`);
  return { card: card.uuid, outcome: 'overridden', overrideReason: { reason: { system: reason.system, code: reason.code }, userComment: 'told by the patient' }, outcomeTimestamp: at };
}

/** The value, or a thrown error naming what was missing (tests may not use `!`). */
export function defined<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`${what} is missing`);
  return value;
}

export const storeOf = (app: FastifyInstance) => defined(app.decisionStore, 'the decision store');
