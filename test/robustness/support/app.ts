/**
 * The service as the robustness tests build it (in-process, app.inject), and the one check every
 * answer must pass: a status the contract allows, an OperationOutcome on every refusal, and on a
 * 200 a `cards` array whose cards pass checkCardRules (design.md section 1).
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { checkCardRules } from '../../../src/cds-hooks/card.js';
import { testConfig } from '../../../src/config.js';

/** Fixed evaluation date: the same input gives the same cards. */
export const NOW = new Date('2026-11-21T12:00:00Z');

export const ALLOWED_STATUSES: ReadonlySet<number> = new Set([200, 400, 404, 412, 413]);

/** The last error the service logged (the stack behind a 500), for the failure message. */
let lastLoggedError = '';
const errorLog = {
  write(line: string): void {
    try {
      const entry = JSON.parse(line) as { err?: { stack?: string; message?: string }; msg?: string };
      lastLoggedError = entry.err?.stack ?? entry.err?.message ?? entry.msg ?? line;
    } catch {
      lastLoggedError = line;
    }
  },
};

/** The whole service as buildApp makes it: HTTP, FHIR, and the clinical decider over the bundled rules. */
export async function buildTestApp(env: Readonly<Record<string, string>> = {}): Promise<FastifyInstance> {
  // No load shedding: a slow CI runner must not turn a fuzz case into a 503 (shedding has its own tests).
  const config = testConfig({ AUTH_MODE: 'none', RATE_LIMIT_MAX: '1000000', MAX_EVENT_LOOP_DELAY_MS: '0', LOG_LEVEL: 'error', ...env });
  const app = await buildApp(config, {
    now: () => NOW,
    logStream: errorLog,
  });
  await app.ready();
  return app;
}

export interface Answer {
  readonly statusCode: number;
  readonly body: string;
}

/** Everything wrong with one answer (empty when it is fine). */
export function answerFaults(answer: Answer): string[] {
  const faults: string[] = [];
  if (!ALLOWED_STATUSES.has(answer.statusCode)) faults.push(`status ${String(answer.statusCode)} is not one of ${[...ALLOWED_STATUSES].join(', ')}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    return [...faults, `body is not JSON: ${answer.body.slice(0, 200)}`];
  }
  const body = parsed as { cards?: unknown; resourceType?: unknown; issue?: unknown };
  if (answer.statusCode === 200) {
    if (!Array.isArray(body.cards)) return [...faults, 'a 200 without a cards array'];
    body.cards.forEach((card: unknown, i) => {
      for (const f of checkCardRules(card)) faults.push(`cards[${String(i)}]: ${f}`);
    });
  } else if (body.resourceType !== 'OperationOutcome' || !Array.isArray(body.issue) || body.issue.length === 0) {
    faults.push(`a ${String(answer.statusCode)} without an OperationOutcome: ${answer.body.slice(0, 200)}`);
  }
  return faults;
}

/** Fails with the answer and the faults, so a shrunk counterexample reads on its own. */
export function assertAnswer(answer: Answer, what: string): void {
  const faults = answerFaults(answer);
  if (faults.length > 0) {
    const cause = answer.statusCode >= 500 ? `\n  logged by the service: ${lastLoggedError.split('\n').slice(0, 6).join('\n    ')}` : '';
    throw new Error(`${what}: HTTP ${String(answer.statusCode)}\n  ${faults.join('\n  ')}\n  body: ${answer.body.slice(0, 500)}${cause}`);
  }
}
