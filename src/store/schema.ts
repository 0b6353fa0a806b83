/**
 * The store's tables (Kysely types) and their versioned migrations, run at start by Kysely's
 * Migrator on PGlite and on PostgreSQL alike: one schema, the same SQL on both.
 * A new migration is a new entry with the next number; an applied one is never edited.
 */
import { sql, type ColumnType, type Generated, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** `[{ id, version }]` of the rule sets behind a card or a hook call (card extension `onfh-cds/rules`). */
export type RuleRefs = { id: string; version: string }[];

export interface DecisionTable {
  id: string;
  at: ColumnType<Date, Date | string, never>;
  service: string;
  hook_instance: string | null;
  /** HMAC-SHA256(PSEUDONYM_KEY, patient id), hex; never the patient id. */
  patient_key: string;
  rule_sets: ColumnType<RuleRefs, string, never>;
  latency_ms: number;
}

export interface DecisionCardTable {
  uuid: string;
  decision_id: string;
  /** Copy of the decision's time: the analytics filter cards by it without a join. */
  at: ColumnType<Date, Date | string, never>;
  position: number;
  indicator: string;
  summary: string;
  rules: ColumnType<RuleRefs, string, never>;
  /** What suppression matches an override on (src/store/suppression.ts). */
  rule_key: string;
  /** The stage(s) of the hip(s) the card is about when it was shown, e.g. "right:ARCO 2/IIb". */
  stage: string;
}

export interface FeedbackTable {
  id: Generated<string>;
  received_at: ColumnType<Date, Date | string, never>;
  service: string;
  card_uuid: string;
  /** false: no decision of ours has this card uuid (kept, flagged). */
  known_card: boolean;
  outcome: 'accepted' | 'overridden';
  accepted_suggestions: ColumnType<string[] | null, string | null, never>;
  reason_system: string | null;
  reason_code: string | null;
  reason_display: string | null;
  user_comment: string | null;
  outcome_at: ColumnType<Date, Date | string, never>;
}

export interface StoreDatabase {
  decisions: DecisionTable;
  decision_cards: DecisionCardTable;
  feedback: FeedbackTable;
}

export const MIGRATIONS: Record<string, Migration> = {
  '001-decisions-feedback': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('decisions')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('at', 'timestamptz', (c) => c.notNull())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('hook_instance', 'text')
        .addColumn('patient_key', 'text', (c) => c.notNull())
        .addColumn('rule_sets', 'jsonb', (c) => c.notNull())
        .addColumn('latency_ms', 'real', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('decisions_at').on('decisions').column('at').execute();
      await db.schema
        .createTable('decision_cards')
        .addColumn('uuid', 'uuid', (c) => c.primaryKey())
        .addColumn('decision_id', 'uuid', (c) => c.notNull().references('decisions.id').onDelete('cascade'))
        .addColumn('at', 'timestamptz', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('indicator', 'text', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('rules', 'jsonb', (c) => c.notNull())
        .addColumn('rule_key', 'text', (c) => c.notNull())
        .addColumn('stage', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('decision_cards_at').on('decision_cards').column('at').execute();
      await db.schema.createIndex('decision_cards_decision').on('decision_cards').column('decision_id').execute();
      await db.schema
        .createTable('feedback')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('card_uuid', 'uuid', (c) => c.notNull())
        .addColumn('known_card', 'boolean', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('accepted', 'overridden')`))
        .addColumn('accepted_suggestions', 'jsonb')
        .addColumn('reason_system', 'text')
        .addColumn('reason_code', 'text')
        .addColumn('reason_display', 'text')
        .addColumn('user_comment', 'text')
        .addColumn('outcome_at', 'timestamptz', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('feedback_outcome_at').on('feedback').column('outcome_at').execute();
      await db.schema.createIndex('feedback_card').on('feedback').column('card_uuid').execute();
    },
  },
};
