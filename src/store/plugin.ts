/**
 * The store in the HTTP service: one function buildApp calls. Hooks into the hook route's answer
 * (suppress repeat cards, then queue the decision record once the answer has gone) and into the
 * feedback route (store the feedback before it is acknowledged). The hook path reads memory only.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RULES_EXTENSION_KEY, type Card } from '../cds-hooks/card.js';
import type { FeedbackItem } from '../cds-hooks/feedback.js';
import type { Config } from '../config.js';
import { OperationOutcomeError } from '../fhir/operation-outcome.js';
import type { LoadedRules } from '../rules/index.js';
import { DEVELOPMENT_PSEUDONYM_KEY, pseudonymizer } from './pseudonym.js';
import type { RuleRefs } from './schema.js';
import { DecisionStore, StoreUnavailableError, type CardRecord, type StoreOptions } from './store.js';
import { quietDaysOf, ruleKeyOf, stageOf } from './suppression.js';

/** Test seams: shorter flush interval, smaller queue and so on. */
export type StoreTuning = Pick<StoreOptions, 'flushIntervalMs' | 'batchSize' | 'maxQueue' | 'retryMaxMs' | 'feedbackTimeoutMs'>;

interface PendingDecision {
  readonly service: string;
  readonly hookInstance: string | null;
  readonly patientKey: string;
  readonly cards: readonly CardRecord[];
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The decision store; null when off (NODE_ENV=test unless a test asks for it). */
    decisionStore: DecisionStore | null;
  }
  interface FastifyRequest {
    cdsDecision: PendingDecision | null;
  }
}

const HOOK_ROUTE = '/cds-services/:id';

function ruleRefsOf(card: Card): RuleRefs {
  const refs = card.extension[RULES_EXTENSION_KEY];
  return Array.isArray(refs) ? (refs as RuleRefs) : [];
}

/** The rule sets of all cards: the one list they share (the usual case: no copy), else the union. */
function ruleSetsOf(cards: readonly CardRecord[]): RuleRefs {
  const first = cards[0]?.rules ?? [];
  if (cards.every((c) => c.rules === first)) return first;
  const union = new Map<string, RuleRefs[number]>();
  for (const c of cards) for (const r of c.rules) union.set(`${r.id}@${r.version}`, r);
  return [...union.values()];
}

export interface StoreSetup {
  readonly store: DecisionStore | null;
  /** What the feedback route calls after validating (and after the caller's own onFeedback). */
  readonly onFeedback: ((serviceId: string, feedback: readonly FeedbackItem[]) => Promise<void>) | undefined;
}

/**
 * Opens the store (in the background) and installs its hooks; call before the CDS routes.
 * `tuning`: undefined → on unless NODE_ENV=test; false → off; an object → on with these tunables.
 */
export function registerDecisionStore(
  app: FastifyInstance,
  config: Config,
  rules: LoadedRules,
  now: () => Date,
  tuning: StoreTuning | false | undefined,
  onFeedback: ((serviceId: string, feedback: readonly FeedbackItem[]) => void | Promise<void>) | undefined,
): StoreSetup {
  const on = tuning === undefined ? config.NODE_ENV !== 'test' : tuning !== false;
  app.decorate('decisionStore', null);
  if (!on) return { store: null, onFeedback: onFeedback === undefined ? undefined : async (id, items) => onFeedback(id, items) };

  const ruleQuietDays = new Map(rules.sets.flatMap((s) => (s.overrideQuietDays === undefined ? [] : [[s.id, s.overrideQuietDays] as const])));
  const store = new DecisionStore({
    ...(tuning === undefined ? {} : tuning),
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    log: app.log,
    quietDays: quietDaysOf(ruleQuietDays, config.OVERRIDE_QUIET_DAYS),
    maxQuietDays: Math.max(config.OVERRIDE_QUIET_DAYS, ...ruleQuietDays.values()),
    retentionDays: config.DECISION_RETENTION_DAYS,
    now,
  });
  app.decisionStore = store;
  if (config.PSEUDONYM_KEY === undefined) {
    app.log.warn({ event: 'store.pseudonym.development' }, 'PSEUDONYM_KEY unset: patient keys use the development key (never in production)');
  }
  const patientKeyOf = pseudonymizer(config.PSEUDONYM_KEY ?? DEVELOPMENT_PSEUDONYM_KEY);
  store.start();

  app.decorateRequest('cdsDecision', null);
  app.addHook('preSerialization', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, value: unknown) => void) => {
    if (request.method !== 'POST' || request.routeOptions.url !== HOOK_ROUTE || reply.statusCode !== 200) {
      done(null, payload);
      return;
    }
    try {
      done(null, suppressRepeats(request, payload));
    } catch (error) {
      // Fail open: the cards go out as the engine made them.
      request.log.warn({ event: 'store.suppression.failed', message: error instanceof Error ? error.message : 'unknown' }, 'suppression skipped');
      done(null, payload);
    }
  });

  function suppressRepeats(request: FastifyRequest, payload: unknown): unknown {
    const cards = (payload as { cards?: unknown }).cards;
    const body = request.body as { context?: { patientId?: unknown }; hookInstance?: unknown };
    const patientId = body.context?.patientId;
    if (!Array.isArray(cards) || cards.length === 0 || typeof patientId !== 'string') return payload;
    const hips = request.cdsCall?.hips ?? [];
    const patientKey = patientKeyOf(patientId);
    const nowMs = now().getTime();
    const shown: Card[] = [];
    const records: CardRecord[] = [];
    for (const card of cards as Card[]) {
      const rules = ruleRefsOf(card);
      const identity = { ruleKey: ruleKeyOf(card, rules), stage: stageOf(card.summary, hips), rules };
      if (store.overrides.isQuiet(patientKey, identity, nowMs)) continue;
      shown.push(card);
      records.push({ ...identity, uuid: card.uuid, indicator: card.indicator, summary: card.summary });
    }
    const service = (request.params as { id: string }).id;
    request.cdsDecision = { service, hookInstance: typeof body.hookInstance === 'string' ? body.hookInstance : null, patientKey, cards: records };
    if (shown.length === cards.length) return payload;
    request.log.info({ event: 'cds.suppressed', serviceId: service, cards: cards.length - shown.length }, 'overridden cards not shown again');
    return { ...(payload as object), cards: shown };
  }

  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const pending = request.cdsDecision;
    if (pending !== null && pending.cards.length > 0 && reply.statusCode === 200) {
      store.enqueue({
        id: randomUUID(),
        at: now(),
        ...pending,
        ruleSets: ruleSetsOf(pending.cards),
        latencyMs: Math.round(reply.elapsedTime * 100) / 100,
      });
    }
    done();
  });

  app.addHook('onClose', async () => {
    await store.close();
  });

  return {
    store,
    onFeedback: async (serviceId, items) => {
      await onFeedback?.(serviceId, items);
      try {
        const { unknownCards } = await store.recordFeedback(serviceId, items);
        if (unknownCards > 0) app.log.info({ event: 'store.feedback.unknown-card', serviceId, items: unknownCards }, 'feedback for a card uuid we did not issue: kept, flagged');
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        throw new OperationOutcomeError(503, [{ code: 'exception', text: 'feedback not stored: the decision store is unavailable; send it again later' }]);
      }
    },
  };
}
