/**
 * JWT ids already used, kept until the token could no longer be accepted anyway (design.md
 * sections 7 and 8).
 *
 * CDS Hooks 2.0 "Trusting CDS Clients": `jti` is "a nonce string value that uniquely identifies
 * this authentication JWT (used to protect against replay attacks)". Best practices (Security,
 * CDS Services, JWT, step 6): keep processed `jti` values in short-term storage for the lifetime
 * of the JWTs.
 *
 * Keyed per issuer, and bounded per issuer: one client that floods the service with fresh tokens
 * fills its own share only, never the other clients'. When a client's share is full its new
 * tokens are refused ('full': failing closed keeps replay protection intact). A jti is reserved
 * once the token is otherwise valid and released again when the call is refused before any work
 * (a rejected body, 429), so a rejected call does not use the token up.
 *
 * Two stores: this process (@isaacs/ttlcache) or Redis (REDIS_URL, one sorted set per issuer and
 * one Lua script per check, so replicas share it). src/auth/shared-state.ts picks between them.
 */
import { TTLCache } from '@isaacs/ttlcache';
import type { Redis } from 'ioredis';

export type Reservation = 'fresh' | 'replay' | 'full';

/** One issuer's jti → the time (ms, the verifier's clock) after which the token is dead anyway. */
type IssuerCache = TTLCache<string, number>;

/** In this process. The TTL (wall clock) bounds memory; the stored time (injectable clock) decides. */
export class LocalReplayCache {
  private readonly byIssuer = new Map<string, IssuerCache>();
  private readonly lastSweepMs = new Map<string, number>();

  constructor(private readonly maxPerIssuer: number) {}

  /** jti values remembered for `iss` (tests, /metrics). */
  size(iss: string): number {
    return this.byIssuer.get(iss)?.size ?? 0;
  }

  reserve(iss: string, jti: string, untilMs: number, nowMs: number): Reservation {
    let cache = this.byIssuer.get(iss);
    if (!cache) {
      cache = new TTLCache<string, number>({ max: this.maxPerIssuer + 1, checkAgeOnGet: true });
      this.byIssuer.set(iss, cache);
    }
    const known = cache.get(jti);
    if (known !== undefined && known > nowMs) return 'replay';
    if (known === undefined && cache.size >= this.maxPerIssuer) {
      // Dead by the verifier's clock but not yet by the TTL timers: swept, at most once a second, so a flood cannot make every call O(size).
      if (nowMs - (this.lastSweepMs.get(iss) ?? Number.NEGATIVE_INFINITY) < 1000) return 'full';
      this.lastSweepMs.set(iss, nowMs);
      for (const [key, until] of cache.entries()) if (until <= nowMs) cache.delete(key);
      if (cache.size >= this.maxPerIssuer) return 'full';
    }
    cache.set(jti, untilMs, { ttl: Math.max(1, untilMs - nowMs) });
    return 'fresh';
  }

  release(iss: string, jti: string): void {
    this.byIssuer.get(iss)?.delete(jti);
  }
}

/**
 * KEYS[1]: the issuer's sorted set (member jti, score: ms until which it is remembered).
 * ARGV: jti, now (ms), until (ms), most members. Expired members go first, so the bound counts
 * live tokens only; the set itself expires with its last member.
 */
const RESERVE_LUA = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 'replay' end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 'full' end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
local ttl = tonumber(ARGV[3]) - tonumber(ARGV[2])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 'fresh'
`;

interface ReplayCommands {
  onfhReserveJti(key: string, jti: string, nowMs: number, untilMs: number, max: number): Promise<string>;
}

/** In Redis, shared by every replica pointed at it. Errors reach the caller (who falls back). */
export class RedisReplayCache {
  constructor(
    private readonly redis: Redis,
    private readonly maxPerIssuer: number,
    private readonly prefix = 'onfh-cds:jti:',
  ) {
    if (!(redis as unknown as Partial<ReplayCommands>).onfhReserveJti) {
      redis.defineCommand('onfhReserveJti', { numberOfKeys: 1, lua: RESERVE_LUA });
    }
  }

  async reserve(iss: string, jti: string, untilMs: number, nowMs: number): Promise<Reservation> {
    const answer = await (this.redis as unknown as ReplayCommands).onfhReserveJti(this.prefix + iss, jti, nowMs, untilMs, this.maxPerIssuer);
    if (answer === 'fresh' || answer === 'replay' || answer === 'full') return answer;
    throw new Error(`unexpected answer from the jti script: ${answer.slice(0, 20)}`);
  }

  async release(iss: string, jti: string): Promise<void> {
    await this.redis.zrem(this.prefix + iss, jti);
  }
}
