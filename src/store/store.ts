/**
 * The decision store (design.md section 6): decision records written off the request path in
 * batches, feedback written before it is acknowledged, the override cache read by the hook path.
 *
 * Availability: the store connects in the background (a store down at start delays nothing),
 * and after a failure it probes and reconnects with backoff. Decision records wait in a bounded
 * queue meanwhile; past its bound the oldest are dropped, counted in /metrics and logged. Feedback
 * is acknowledged only once written: with the store down the feedback route answers 503 and the
 * client may send it again. Logs name error codes and counts, never patient data.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import type { FeedbackItem } from '../cds-hooks/feedback.js';
import { recordStoreDrop, setStoreUp } from '../metrics/index.js';
import { openDatabase, type Backend, type StoreDatabaseHandle } from './database.js';
import { OverrideCache } from './suppression.js';
import type { RuleRefs } from './schema.js';
import { errorSummary, insertDecisions, isRejection, withTimeout, type DecisionRecord } from './writes.js';

export type { CardRecord, DecisionRecord } from './writes.js';

export interface StoreOptions {
  readonly databaseUrl?: string | undefined;
  readonly dataDir: string;
  readonly log: FastifyBaseLogger;
  readonly quietDays: (rules: RuleRefs) => number;
  /** The longest quiet time of any rule set: overrides older than this are not read back. */
  readonly maxQuietDays: number;
  readonly retentionDays: number;
  readonly now?: () => Date;
  /** Tunables (tests shorten them). */
  readonly flushIntervalMs?: number;
  readonly batchSize?: number;
  readonly maxQueue?: number;
  readonly retryMaxMs?: number;
  readonly feedbackTimeoutMs?: number;
}

/** Thrown when feedback cannot be written: the route answers 503. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

type State = 'connecting' | 'up' | 'down' | 'closed';

const CACHE_REFRESH_MS = 30_000;
const RETENTION_EVERY_MS = 6 * 3600_000;
/** Cards of recent decisions by uuid, so feedback finds a card whose decision is not written yet. */
const RECENT_CARDS = 20_000;

interface RecentCard {
  readonly patientKey: string;
  readonly ruleKey: string;
  readonly stage: string;
}

export class DecisionStore {
  readonly overrides: OverrideCache;
  readonly #o: StoreOptions;
  readonly #log: FastifyBaseLogger;
  readonly #now: () => Date;
  #state: State = 'connecting';
  #handle: StoreDatabaseHandle | null = null;
  #queue: DecisionRecord[] = [];
  readonly #recent = new Map<string, RecentCard>();
  #flushing: Promise<void> | null = null;
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;
  #nextAttemptAt = 0;
  #lastCacheRefresh = 0;
  #lastRetention = 0;
  #connecting: Promise<void> | null = null;

  constructor(options: StoreOptions) {
    this.#o = options;
    this.#log = options.log;
    this.#now = options.now ?? (() => new Date());
    this.overrides = new OverrideCache(options.quietDays);
  }

  get state(): State {
    return this.#state;
  }

  get backend(): Backend {
    return this.#o.databaseUrl === undefined ? 'pglite' : 'postgres';
  }

  /** Records waiting to be written. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Begins connecting in the background and starts the flush timer; never waits for the database. */
  start(): void {
    this.#connecting = this.#connect().finally(() => (this.#connecting = null));
    this.#timer = setInterval(() => void this.#tick(), this.#o.flushIntervalMs ?? 500);
    this.#timer.unref();
  }

  /** Resolves once connected (tests, the admin routes); rejects after `ms`. */
  async ready(ms = 30_000): Promise<void> {
    const started = Date.now();
    while (this.#state !== 'up') {
      if (this.#state === 'closed') throw new StoreUnavailableError('store closed');
      if (Date.now() - started > ms) throw new StoreUnavailableError('store not connected');
      await sleep(20);
    }
  }

  /** The hook path: queue a decision record. Synchronous, never throws, never waits. */
  enqueue(record: DecisionRecord): void {
    if (this.#state === 'closed') {
      this.#drop('closed', 1);
      return;
    }
    this.#queue.push(record);
    for (const c of record.cards) {
      this.#recent.set(c.uuid, { patientKey: record.patientKey, ruleKey: c.ruleKey, stage: c.stage });
      if (this.#recent.size > RECENT_CARDS) this.#recent.delete(this.#recent.keys().next().value as string);
    }
    const max = this.#o.maxQueue ?? 10_000;
    if (this.#queue.length > max) {
      const dropped = this.#queue.splice(0, this.#queue.length - max);
      this.#drop('queue-full', dropped.length);
    }
  }

  /** Writes everything queued now (waits for a flush in progress first). */
  async flush(): Promise<void> {
    while (this.#queue.length > 0 && this.#state === 'up') {
      const before = this.#queue.length;
      await this.#flushOnce();
      if (this.#queue.length >= before) return; // the write failed: the timer retries
    }
  }

  /** Feedback, written before the route acknowledges it. Returns how many named an unknown card. */
  async recordFeedback(service: string, items: readonly FeedbackItem[]): Promise<{ unknownCards: number }> {
    const handle = this.#handle;
    if (this.#state !== 'up' || handle === null) throw new StoreUnavailableError(`store ${this.#state}`);
    const timeoutMs = this.#o.feedbackTimeoutMs ?? 5000;
    const nowMs = this.#now().getTime();
    try {
      return await withTimeout(
        (async () => {
          const uuids = [...new Set(items.map((i) => i.card))];
          const known = new Map<string, RecentCard>();
          for (const u of uuids) {
            const r = this.#recent.get(u);
            if (r !== undefined) known.set(u, r);
          }
          const missing = uuids.filter((u) => !known.has(u));
          if (missing.length > 0) {
            const rows = await handle.db
              .selectFrom('decision_cards as c')
              .innerJoin('decisions as d', 'd.id', 'c.decision_id')
              .select(['c.uuid', 'd.patient_key', 'c.rule_key', 'c.stage'])
              .where('c.uuid', 'in', missing)
              .execute();
            for (const r of rows) known.set(r.uuid, { patientKey: r.patient_key, ruleKey: r.rule_key, stage: r.stage });
          }
          await handle.db
            .insertInto('feedback')
            .values(
              items.map((i) => ({
                received_at: new Date(nowMs),
                service,
                card_uuid: i.card,
                known_card: known.has(i.card),
                outcome: i.outcome,
                accepted_suggestions: i.acceptedSuggestions === undefined ? null : JSON.stringify(i.acceptedSuggestions.map((s) => s.id)),
                reason_system: i.overrideReason?.reason?.system ?? null,
                reason_code: i.overrideReason?.reason?.code ?? null,
                reason_display: i.overrideReason?.reason?.display ?? null,
                user_comment: i.overrideReason?.userComment ?? null,
                outcome_at: i.outcomeTimestamp,
              })),
            )
            .execute();
          for (const i of items) {
            const card = known.get(i.card);
            // The quiet time starts at the override, but never later than now (a client clock ahead).
            if (i.outcome === 'overridden' && card !== undefined) {
              this.overrides.note(card.patientKey, card.ruleKey, card.stage, Math.min(Date.parse(i.outcomeTimestamp), nowMs));
            }
          }
          return { unknownCards: items.filter((i) => !known.has(i.card)).length };
        })(),
        timeoutMs,
        'writing feedback',
      );
    } catch (error) {
      this.#log.warn({ event: 'store.feedback.failed', ...errorSummary(error) }, 'feedback not stored');
      void this.#probe();
      throw new StoreUnavailableError('feedback not stored', { cause: error });
    }
  }

  /** The database, for the admin queries; throws when not connected. */
  database(): StoreDatabaseHandle {
    if (this.#state !== 'up' || this.#handle === null) throw new StoreUnavailableError(`store ${this.#state}`);
    return this.#handle;
  }

  /** Graceful shutdown: write what is queued (within `deadlineMs`), then close. What is left is counted as dropped. */
  async close(deadlineMs = 5000): Promise<void> {
    if (this.#state === 'closed') return;
    clearInterval(this.#timer);
    const queuedAtClose = this.#queue.length;
    const until = Date.now() + deadlineMs;
    if (this.#state === 'connecting' && this.#connecting !== null) await Promise.race([this.#connecting, sleep(Math.max(0, until - Date.now()))]);
    while (this.#queue.length > 0 && this.#state === 'up' && Date.now() < until) {
      const before = this.#queue.length;
      await Promise.race([this.#flushOnce(), sleep(Math.max(0, until - Date.now()))]);
      if (this.#queue.length >= before) break;
    }
    await this.#flushing?.catch(() => undefined);
    const dropped = this.#queue.length;
    if (dropped > 0) this.#drop('shutdown', dropped);
    this.#log.info({ event: 'store.closed', writtenAtShutdown: queuedAtClose - dropped, dropped }, 'decision store closed');
    this.#queue = [];
    this.#state = 'closed';
    setStoreUp(false);
    await this.#handle?.destroy().catch(() => undefined);
    this.#handle = null;
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────

  #drop(reason: string, n: number): void {
    recordStoreDrop(reason, n);
    this.#log.warn({ event: 'store.dropped', reason, records: n }, 'decision records dropped');
  }

  #backoff(): number {
    return Math.min(this.#o.retryMaxMs ?? 30_000, 250 * 2 ** Math.min(this.#failures, 10));
  }

  async #connect(): Promise<void> {
    while (this.#state !== 'closed') {
      const opening = openDatabase({
        databaseUrl: this.#o.databaseUrl,
        dataDir: this.#o.dataDir,
        onPoolError: (error) => { this.#log.warn({ event: 'store.pool.error', ...errorSummary(error) }, 'store connection lost'); },
      });
      try {
        const handle = await withTimeout(opening, 15_000, 'opening the store');
        if (this.state === 'closed') {
          await handle.destroy();
          return;
        }
        this.#handle = handle;
        this.#state = 'up';
        this.#failures = 0;
        setStoreUp(true);
        this.#log.info({ event: 'store.up', backend: handle.backend }, 'decision store connected');
        return;
      } catch (error) {
        // A late open after the timeout is closed again, never leaked.
        void opening.then((h) => h.destroy()).catch(() => undefined);
        this.#failures += 1;
        this.#state = 'down';
        setStoreUp(false);
        this.#log.warn({ event: 'store.down', backend: this.backend, ...errorSummary(error), retryInMs: this.#backoff() }, 'decision store unavailable');
        await sleep(this.#backoff());
      }
    }
  }

  /** After a failure: is the database still answering? PGlite that does not is reopened; a pg pool reconnects itself. */
  async #probe(): Promise<void> {
    const handle = this.#handle;
    if (handle === null || this.#state === 'closed' || this.#connecting !== null) return;
    if (!(await this.#ping(handle))) {
      this.#state = 'down';
      setStoreUp(false);
      if (handle.backend === 'pglite') {
        this.#handle = null;
        await handle.destroy().catch(() => undefined);
        this.#connecting = this.#connect().finally(() => (this.#connecting = null));
      }
    }
  }

  /** Answers `select 1` within 2 s? Marks the store up again when it does. */
  async #ping(handle: StoreDatabaseHandle): Promise<boolean> {
    try {
      await withTimeout(sql`select 1`.execute(handle.db), 2000, 'store probe');
    } catch {
      return false;
    }
    if (this.#state === 'down') {
      this.#state = 'up';
      this.#failures = 0;
      setStoreUp(true);
      this.#log.info({ event: 'store.up', backend: handle.backend }, 'decision store answering again');
    }
    return true;
  }

  async #tick(): Promise<void> {
    if (this.#state === 'closed' || this.#flushing !== null || this.#handle === null || Date.now() < this.#nextAttemptAt) return;
    const nowMs = Date.now();
    if (this.#state === 'down' && !(await this.#ping(this.#handle))) {
      this.#failures += 1;
      this.#nextAttemptAt = Date.now() + this.#backoff();
      return;
    }
    if (this.#queue.length > 0) await this.#flushOnce();
    if (this.#state !== 'up') return;
    if (nowMs - this.#lastCacheRefresh > CACHE_REFRESH_MS) {
      this.#lastCacheRefresh = nowMs;
      await this.#guarded('store.cache.failed', () => this.#refreshOverrides());
    }
    if (nowMs - this.#lastRetention > RETENTION_EVERY_MS) {
      this.#lastRetention = nowMs;
      await this.#guarded('store.retention.failed', () => this.applyRetention());
    }
  }

  async #guarded(event: string, job: () => Promise<unknown>): Promise<void> {
    try {
      await job();
    } catch (error) {
      this.#log.warn({ event, ...errorSummary(error) }, 'store job failed');
    }
  }

  #flushOnce(): Promise<void> {
    this.#flushing ??= this.#writeBatch().finally(() => (this.#flushing = null));
    return this.#flushing;
  }

  async #writeBatch(): Promise<void> {
    const handle = this.#handle;
    if (handle === null) return;
    const batch = this.#queue.slice(0, this.#o.batchSize ?? 500);
    if (batch.length === 0) return;
    try {
      await withTimeout(insertDecisions(handle, batch), 15_000, 'writing decisions');
      // Only what was written leaves the queue (enqueue may have dropped from its head meanwhile).
      const written = new Set(batch);
      this.#queue = this.#queue.filter((r) => !written.has(r));
      if (this.#state !== 'up') this.#log.info({ event: 'store.up', backend: handle.backend }, 'decision store writing again');
      this.#state = 'up';
      this.#failures = 0;
      this.#nextAttemptAt = 0;
      setStoreUp(true);
    } catch (error) {
      if (isRejection(error)) {
        const rejected = new Set(batch);
        this.#queue = this.#queue.filter((r) => !rejected.has(r));
        this.#drop('rejected', batch.length);
        this.#log.warn({ event: 'store.write.rejected', ...errorSummary(error) }, 'decision batch rejected by the store');
        return;
      }
      this.#failures += 1;
      this.#nextAttemptAt = Date.now() + this.#backoff();
      this.#log.warn({ event: 'store.write.failed', ...errorSummary(error), queued: this.#queue.length, retryInMs: this.#backoff() }, 'decision records not written yet');
      await this.#probe();
    }
  }

  async #refreshOverrides(): Promise<void> {
    const handle = this.#handle;
    if (handle === null) return;
    const nowMs = this.#now().getTime();
    const since = new Date(nowMs - this.#o.maxQuietDays * 86_400_000);
    const rows = await handle.db
      .selectFrom('feedback as f')
      .innerJoin('decision_cards as c', 'c.uuid', 'f.card_uuid')
      .innerJoin('decisions as d', 'd.id', 'c.decision_id')
      .select(['d.patient_key', 'c.rule_key', 'c.stage', 'f.outcome_at'])
      .where('f.outcome', '=', 'overridden')
      .where('f.outcome_at', '>', since)
      .execute();
    for (const r of rows) this.overrides.note(r.patient_key, r.rule_key, r.stage, Math.min(new Date(r.outcome_at).getTime(), nowMs));
    this.overrides.prune(nowMs, this.#o.maxQuietDays);
  }

  /** Deletes decisions (their cards with them) and feedback older than DECISION_RETENTION_DAYS. */
  async applyRetention(): Promise<{ decisions: number; feedback: number }> {
    const { db } = this.database();
    const before = new Date(this.#now().getTime() - this.#o.retentionDays * 86_400_000);
    const d = await db.deleteFrom('decisions').where('at', '<', before).executeTakeFirst();
    const f = await db.deleteFrom('feedback').where('received_at', '<', before).executeTakeFirst();
    const removed = { decisions: Number(d.numDeletedRows), feedback: Number(f.numDeletedRows) };
    if (removed.decisions + removed.feedback > 0) this.#log.info({ event: 'store.retention', ...removed }, 'old decisions removed');
    return removed;
  }
}
