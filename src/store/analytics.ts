/**
 * What the admin API reads (design.md section 6): recent decisions with their cards and feedback,
 * and the feedback summary per rule set. Dates are whole UTC days, both ends included.
 */
import { sql } from 'kysely';
import type { StoreDatabaseHandle } from './database.js';
import type { RuleRefs } from './schema.js';

export interface DayRange {
  /** YYYY-MM-DD */
  readonly from: string;
  readonly to: string;
}

const bounds = (range: DayRange) => {
  const start = new Date(`${range.from}T00:00:00Z`);
  const end = new Date(Date.parse(`${range.to}T00:00:00Z`) + 86_400_000);
  return { start, end };
};

export interface DecisionView {
  readonly id: string;
  readonly at: string;
  readonly service: string;
  readonly hookInstance: string | null;
  readonly patientKey: string;
  readonly ruleSets: RuleRefs;
  readonly latencyMs: number;
  readonly cards: readonly {
    readonly uuid: string;
    readonly indicator: string;
    readonly summary: string;
    readonly rules: RuleRefs;
    readonly feedback: readonly {
      readonly outcome: string;
      readonly reason: { readonly system: string; readonly code: string; readonly display?: string } | null;
      readonly outcomeTimestamp: string;
    }[];
  }[];
}

/** The newest `limit` decisions of the range, newest first. */
export async function listDecisions({ db }: StoreDatabaseHandle, range: DayRange, limit: number): Promise<DecisionView[]> {
  const { start, end } = bounds(range);
  const decisions = await db.selectFrom('decisions').selectAll().where('at', '>=', start).where('at', '<', end).orderBy('at', 'desc').orderBy('id').limit(limit).execute();
  if (decisions.length === 0) return [];
  const cards = await db.selectFrom('decision_cards').selectAll().where('decision_id', 'in', decisions.map((d) => d.id)).orderBy('position').execute();
  const feedback =
    cards.length === 0
      ? []
      : await db.selectFrom('feedback').selectAll().where('card_uuid', 'in', cards.map((c) => c.uuid)).orderBy('outcome_at').orderBy('id').execute();
  return decisions.map((d) => ({
    id: d.id,
    at: new Date(d.at).toISOString(),
    service: d.service,
    hookInstance: d.hook_instance,
    patientKey: d.patient_key,
    ruleSets: d.rule_sets,
    latencyMs: d.latency_ms,
    cards: cards
      .filter((c) => c.decision_id === d.id)
      .map((c) => ({
        uuid: c.uuid,
        indicator: c.indicator,
        summary: c.summary,
        rules: c.rules,
        feedback: feedback
          .filter((f) => f.card_uuid === c.uuid)
          .map((f) => ({
            outcome: f.outcome,
            reason:
              f.reason_system === null || f.reason_code === null
                ? null
                : { system: f.reason_system, code: f.reason_code, ...(f.reason_display === null ? {} : { display: f.reason_display }) },
            outcomeTimestamp: new Date(f.outcome_at).toISOString(),
          })),
      })),
  }));
}

export interface FeedbackSummary {
  readonly from: string;
  readonly to: string;
  readonly totals: { readonly shown: number; readonly accepted: number; readonly overridden: number };
  readonly rules: readonly {
    readonly rule: string;
    readonly version: string;
    readonly shown: number;
    readonly accepted: number;
    readonly overridden: number;
    readonly reasons: Readonly<Record<string, number>>;
  }[];
}

/**
 * Cards shown in the range (by decision time) and feedback given in it (by outcomeTimestamp).
 * A card counts for every rule set behind it; feedback on an unknown card counts in the totals only.
 */
export async function feedbackSummary({ db }: StoreDatabaseHandle, range: DayRange): Promise<FeedbackSummary> {
  const { start, end } = bounds(range);
  const shownTotal = await db.selectFrom('decision_cards').select((eb) => eb.fn.countAll<string>().as('n')).where('at', '>=', start).where('at', '<', end).executeTakeFirst();
  const outcomeTotals = await db
    .selectFrom('feedback')
    .select(['outcome', (eb) => eb.fn.countAll<string>().as('n')])
    .where('outcome_at', '>=', start)
    .where('outcome_at', '<', end)
    .groupBy('outcome')
    .execute();
  const shown = await sql<{ rule: string; version: string; n: string }>`
    select r->>'id' as rule, r->>'version' as version, count(*) as n
    from decision_cards c cross join lateral jsonb_array_elements(c.rules) r
    where c.at >= ${start} and c.at < ${end}
    group by 1, 2`.execute(db);
  const outcomes = await sql<{ rule: string; version: string; outcome: string; reason: string | null; n: string }>`
    select r->>'id' as rule, r->>'version' as version, f.outcome, f.reason_code as reason, count(*) as n
    from feedback f
    join decision_cards c on c.uuid = f.card_uuid
    cross join lateral jsonb_array_elements(c.rules) r
    where f.outcome_at >= ${start} and f.outcome_at < ${end}
    group by 1, 2, 3, 4`.execute(db);

  type Row = { rule: string; version: string; shown: number; accepted: number; overridden: number; reasons: Record<string, number> };
  const byRule = new Map<string, Row>();
  const row = (rule: string, version: string): Row => {
    const key = `${rule}@${version}`;
    let r = byRule.get(key);
    if (r === undefined) {
      r = { rule, version, shown: 0, accepted: 0, overridden: 0, reasons: {} };
      byRule.set(key, r);
    }
    return r;
  };
  for (const s of shown.rows) row(s.rule, s.version).shown += Number(s.n);
  for (const o of outcomes.rows) {
    const r = row(o.rule, o.version);
    const n = Number(o.n);
    if (o.outcome === 'accepted') r.accepted += n;
    else {
      r.overridden += n;
      if (o.reason !== null) r.reasons[o.reason] = (r.reasons[o.reason] ?? 0) + n;
    }
  }
  const total = (outcome: string) => Number(outcomeTotals.find((t) => t.outcome === outcome)?.n ?? 0);
  return {
    from: range.from,
    to: range.to,
    totals: { shown: Number(shownTotal?.n ?? 0), accepted: total('accepted'), overridden: total('overridden') },
    rules: [...byRule.values()].sort((a, b) => a.rule.localeCompare(b.rule) || a.version.localeCompare(b.version)),
  };
}
