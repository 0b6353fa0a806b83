/** What the store writes, and the small helpers its writing needs (split from store.ts). */
import type { StoreDatabaseHandle } from './database.js';
import type { DecisionRecord } from './store.js';

/** First line of an error, without the row values PostgreSQL may append: safe to log. */
export function errorSummary(error: unknown): { code?: string; message: string } {
  const e = error as { code?: unknown; message?: unknown };
  const message = (typeof e.message === 'string' ? e.message : String(error)).split('\n')[0]?.replace(/Failing row.*$|Key \(.*$/, '').slice(0, 200) ?? '';
  return typeof e.code === 'string' ? { code: e.code, message } : { message };
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity): the batch itself is at fault, retrying cannot help. */
export const isRejection = (error: unknown): boolean => {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^2[23]/.test(code);
};

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { reject(new Error(`${what} took longer than ${ms} ms`)); }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One statement per batch (a data-modifying CTE): atomic, one round trip, idempotent on a retry. */
export async function insertDecisions(handle: StoreDatabaseHandle, batch: readonly DecisionRecord[]): Promise<void> {
  const decisions = batch.map((r) => ({
    id: r.id,
    at: r.at,
    service: r.service,
    hook_instance: r.hookInstance,
    patient_key: r.patientKey,
    rule_sets: JSON.stringify(r.ruleSets),
    latency_ms: r.latencyMs,
  }));
  const cards = batch.flatMap((r) =>
    r.cards.map((c, position) => ({
      uuid: c.uuid,
      decision_id: r.id,
      at: r.at,
      position,
      indicator: c.indicator,
      summary: c.summary,
      rules: JSON.stringify(c.rules),
      rule_key: c.ruleKey,
      stage: c.stage,
    })),
  );
  const insertCards = handle.db.with('d', (db) => db.insertInto('decisions').values(decisions).onConflict((oc) => oc.column('id').doNothing()));
  if (cards.length === 0) {
    await handle.db.insertInto('decisions').values(decisions).onConflict((oc) => oc.column('id').doNothing()).execute();
    return;
  }
  await insertCards.insertInto('decision_cards').values(cards).onConflict((oc) => oc.column('uuid').doNothing()).execute();
}
