/** What the store writes, and the small helpers its writing needs (split from store.ts). */
import { sql } from 'kysely';
import type { StoreDatabaseHandle } from './database.js';
import type { RuleRefs } from './schema.js';
import type { CardIdentity } from './suppression.js';

export interface CardRecord extends CardIdentity {
  readonly uuid: string;
  readonly indicator: string;
  readonly summary: string;
}

export interface DecisionRecord {
  readonly id: string;
  readonly at: Date;
  readonly service: string;
  readonly hookInstance: string | null;
  readonly patientKey: string;
  readonly ruleSets: RuleRefs;
  readonly latencyMs: number;
  readonly cards: readonly CardRecord[];
}

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

/**
 * One statement per batch: the rows travel as one JSON parameter unpacked by jsonb_to_recordset
 * (a batch as bound parameters would be thousands to compile on the event loop), each list of
 * rule sets once per batch however many cards share it (docs/performance.md: JSON.stringify of
 * a batch is the store's largest cost on the service thread); a data-modifying CTE makes it
 * atomic; ON CONFLICT makes a retry after a timeout harmless.
 */
export async function insertDecisions(handle: StoreDatabaseHandle, batch: readonly DecisionRecord[]): Promise<void> {
  const lists: RuleRefs[] = [];
  const listIndex = new Map<RuleRefs, number>();
  const ix = (rules: RuleRefs) => {
    let i = listIndex.get(rules);
    if (i === undefined) {
      i = lists.push(rules) - 1;
      listIndex.set(rules, i);
    }
    return i;
  };
  const decisions = batch.map((r) => ({
    id: r.id,
    at: r.at,
    service: r.service,
    hook_instance: r.hookInstance,
    patient_key: r.patientKey,
    rule_sets: ix(r.ruleSets),
    latency_ms: r.latencyMs,
  }));
  const cards = batch.flatMap((r) =>
    r.cards.map((c, position) => ({ uuid: c.uuid, decision_id: r.id, position, indicator: c.indicator, summary: c.summary, rules: ix(c.rules), rule_key: c.ruleKey, stage: c.stage })),
  );
  await sql`
    with input as (select ${JSON.stringify({ lists, decisions, cards })}::jsonb as j),
    d as (
      insert into decisions (id, at, service, hook_instance, patient_key, rule_sets, latency_ms)
      select x.id, x.at, x.service, x.hook_instance, x.patient_key, input.j->'lists'->x.rule_sets, x.latency_ms
      from input, jsonb_to_recordset(input.j->'decisions')
        as x(id uuid, at timestamptz, service text, hook_instance text, patient_key text, rule_sets integer, latency_ms real)
      on conflict (id) do nothing
    )
    insert into decision_cards (uuid, decision_id, at, position, indicator, summary, rules, rule_key, stage)
    select c.uuid, c.decision_id, x.at, c.position, c.indicator, c.summary, input.j->'lists'->c.rules, c.rule_key, c.stage
    from input
    cross join jsonb_to_recordset(input.j->'cards')
      as c(uuid uuid, decision_id uuid, position integer, indicator text, summary text, rules integer, rule_key text, stage text)
    join jsonb_to_recordset(input.j->'decisions') as x(id uuid, at timestamptz) on x.id = c.decision_id
    on conflict (uuid) do nothing`.execute(handle.db);
}
