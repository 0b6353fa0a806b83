/**
 * State the replicas share (design.md section 7): the jti replay cache and the per-client rate
 * limit counters, in Redis when REDIS_URL is set, else in this process.
 *
 * With Redis, each hook call makes one round trip: the jti script and @fastify/rate-limit's
 * Redis store script are sent in the same event-loop turn and ioredis's auto-pipelining writes
 * them together (measured in `npm run bench`, docs/performance.md). Redis lost (refused, reset,
 * or a command slower than REDIS_COMMAND_TIMEOUT_MS): each call is protected in-process instead
 * (this replica's own jti cache and counters), the outage is logged once and counted in
 * /metrics, and the shared state is used again as soon as ioredis has reconnected. No call gets a
 * 5xx for it. The jti is always remembered in-process too, so a replay to the same replica is
 * caught across an outage.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { FastifyRateLimitOptions, FastifyRateLimitStore } from '@fastify/rate-limit';
import LocalStore from '@fastify/rate-limit/store/LocalStore.js';
import RedisStore from '@fastify/rate-limit/store/RedisStore.js';
import { Redis } from 'ioredis';
import { LocalReplayCache, RedisReplayCache, type Reservation } from './replay-cache.js';

/** A Redis command unanswered this long counts as Redis lost: the connection is dropped and the calls fall back. */
const REDIS_COMMAND_TIMEOUT_MS = 250;
/** How long the start waits for the first connection before serving in-process. */
const REDIS_FIRST_CONNECT_MS = 2000;

export interface SharedStateStatus {
  /** 'off' without REDIS_URL. */
  readonly redis: 'off' | 'up' | 'down';
  /** Calls protected in-process because Redis was unavailable, by what was protected. */
  readonly fallbacks: { readonly replay: number; readonly rateLimit: number };
}

export interface SharedState {
  reserveJti(iss: string, jti: string, untilMs: number, nowMs: number): Promise<Reservation>;
  releaseJti(iss: string, jti: string): Promise<void>;
  /** The `store` option of @fastify/rate-limit. */
  readonly RateLimitStore: new (options: FastifyRateLimitOptions) => FastifyRateLimitStore;
  status(): SharedStateStatus;
  close(): Promise<void>;
}

export interface SharedStateOptions {
  readonly redisUrl: string | undefined;
  readonly replayCacheSizePerIssuer: number;
  readonly log: FastifyBaseLogger;
  /** Keys in Redis start with this (tests run several services against one Redis). */
  readonly keyPrefix?: string;
  readonly commandTimeoutMs?: number;
}

type StoreCallback = (error: Error | null, result?: { current: number; ttl: number }) => void;

interface CallbackStore {
  incr(key: string, callback: StoreCallback, timeWindow: number, max: number): void;
}

export async function createSharedState(options: SharedStateOptions): Promise<SharedState> {
  const { log } = options;
  const prefix = options.keyPrefix ?? 'onfh-cds:';
  const local = new LocalReplayCache(options.replayCacheSizePerIssuer);
  const fallbacks = { replay: 0, rateLimit: 0 };

  const redis =
    options.redisUrl === undefined
      ? null
      : new Redis(options.redisUrl, {
          enableAutoPipelining: true,
          // Not connected → a command fails at once (and the call is protected in-process), never queued.
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          // No ioredis commandTimeout: its timer per command cost about 0.2 ms per call (bench/redis.ts);
          // the watchdog below catches a Redis that stops answering instead.
          connectTimeout: REDIS_FIRST_CONNECT_MS,
          retryStrategy: (times: number) => Math.min(100 * times, 2000),
          lazyConnect: true,
        });

  // up: the last thing heard from Redis was good. Transitions are logged, once each.
  let up = false;
  let everUp = false;
  let downLogged = false;
  const markDown = (reason: string): void => {
    up = false;
    if (downLogged) return;
    downLogged = true;
    log.error({ event: 'redis.unavailable', reason: reason.slice(0, 200) }, 'Redis unavailable: jti replay cache and rate limits are kept in this process until it returns');
  };
  const fallBack = (what: keyof typeof fallbacks, err?: unknown): void => {
    if (err !== undefined) markDown(err instanceof Error ? err.message : 'unknown error');
    fallbacks[what] += 1;
  };

  // Start times of the commands in flight, oldest first (Redis answers in order on one connection).
  // A Redis that stops answering: the connection is dropped, its commands fail, the calls fall back.
  const inFlight: number[] = [];
  const timeoutMs = options.commandTimeoutMs ?? REDIS_COMMAND_TIMEOUT_MS;
  const track = <T>(promise: Promise<T>): Promise<T> => {
    inFlight.push(performance.now());
    return promise.finally(() => inFlight.shift());
  };
  const watchdog = redis
    ? setInterval(() => {
        const oldest = inFlight[0];
        if (oldest === undefined || performance.now() - oldest < timeoutMs) return;
        markDown(`no answer within ${String(timeoutMs)} ms`);
        redis.disconnect(true); // fails the commands in flight; ioredis reconnects
      }, Math.max(10, Math.floor(timeoutMs / 2))).unref()
    : undefined;

  let replayStore: RedisReplayCache | null = null;
  let redisLimits: CallbackStore | null = null;
  if (redis) {
    redis.on('ready', () => {
      up = true;
      downLogged = false;
      if (everUp) log.info({ event: 'redis.recovered' }, 'Redis reachable again: jti replay cache and rate limits shared');
      else log.info({ event: 'redis.connected' }, 'Redis connected: jti replay cache and rate limits shared by the replicas');
      everUp = true;
    });
    redis.on('error', (err: Error) => {
      markDown(err.message);
    });
    redis.on('close', () => {
      markDown('connection closed');
    });
    replayStore = new RedisReplayCache(redis, options.replayCacheSizePerIssuer, `${prefix}jti:`);
    redisLimits = new RedisStore(false, false, redis, `${prefix}rl:`) as CallbackStore;
    await Promise.race([redis.connect().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, REDIS_FIRST_CONNECT_MS).unref())]);
  }

  async function reserveJti(iss: string, jti: string, untilMs: number, nowMs: number): Promise<Reservation> {
    const mine = local.reserve(iss, jti, untilMs, nowMs);
    if (mine !== 'fresh' || !replayStore) return mine;
    if (!up) {
      fallBack('replay');
      return mine;
    }
    try {
      const shared = await track(replayStore.reserve(iss, jti, untilMs, nowMs));
      if (shared === 'full') local.release(iss, jti);
      return shared;
    } catch (err) {
      fallBack('replay', err);
      return mine;
    }
  }

  async function releaseJti(iss: string, jti: string): Promise<void> {
    local.release(iss, jti);
    if (!replayStore || !up) return;
    try {
      await track(replayStore.release(iss, jti));
    } catch (err) {
      markDown(err instanceof Error ? err.message : 'unknown error');
    }
  }

  class RateLimitStore implements FastifyRateLimitStore {
    private readonly local = new LocalStore(false, false, 10_000) as CallbackStore;

    incr(key: string, callback: StoreCallback, timeWindow?: number, max?: number): void {
      const window = timeWindow ?? 60_000;
      const most = max ?? 1000;
      if (!redisLimits || !up) {
        if (redisLimits) fallBack('rateLimit');
        this.local.incr(key, callback, window, most);
        return;
      }
      inFlight.push(performance.now());
      redisLimits.incr(
        key,
        (err, result) => {
          inFlight.shift();
          if (err || !result) {
            fallBack('rateLimit', err ?? new Error('no answer'));
            this.local.incr(key, callback, window, most);
          } else {
            callback(null, result);
          }
        },
        window,
        most,
      );
    }

    child(): FastifyRateLimitStore {
      return this;
    }
  }

  return {
    reserveJti,
    releaseJti,
    RateLimitStore,
    status: () => ({ redis: redis === null ? 'off' : up ? 'up' : 'down', fallbacks: { ...fallbacks } }),
    close: async () => {
      clearInterval(watchdog);
      if (!redis) return;
      redis.removeAllListeners('close');
      await redis.quit().catch(() => {
        redis.disconnect();
      });
    },
  };
}
