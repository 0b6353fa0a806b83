/**
 * JWT ids already accepted, kept until the token could no longer be accepted anyway.
 *
 * CDS Hooks 2.0 "Trusting CDS Clients": `jti` is "a nonce string value that uniquely identifies
 * this authentication JWT (used to protect against replay attacks)". Best practices (Security,
 * CDS Services, JWT, step 6): keep processed `jti` values in short-term storage for the lifetime
 * of the JWTs.
 *
 * In memory and bounded. With several replicas behind a load balancer each replica keeps its
 * own set, so a token replayed to another replica is not caught: a shared store (Redis,
 * PostgreSQL) would be needed for that. Tokens are short-lived (their age is capped), which
 * bounds the window.
 */
export class ReplayCache {
  /** key (iss + jti) → the time, in ms, after which the entry may be forgotten. */
  private readonly entries = new Map<string, number>();
  private lastSweepMs = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly sweepEveryMs = 10_000,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * Records (iss, jti) until `forgetAfterMs`. Returns 'replay' when it was already recorded and
   * has not expired, 'full' when the cache cannot take it (the caller refuses: failing closed
   * keeps replay protection intact at the cost of availability), else 'fresh'.
   */
  remember(iss: string, jti: string, forgetAfterMs: number, nowMs: number): 'fresh' | 'replay' | 'full' {
    const key = `${iss}\u0000${jti}`;
    const known = this.entries.get(key);
    if (known !== undefined && known > nowMs) return 'replay';
    const sinceSweep = nowMs - this.lastSweepMs;
    // A full cache is swept at most once a second, so a flood cannot make every call O(size).
    if (sinceSweep >= this.sweepEveryMs || (this.entries.size >= this.maxEntries && sinceSweep >= 1000)) this.sweep(nowMs);
    if (this.entries.size >= this.maxEntries) return 'full';
    this.entries.set(key, forgetAfterMs);
    return 'fresh';
  }

  private sweep(nowMs: number): void {
    this.lastSweepMs = nowMs;
    for (const [key, until] of this.entries) if (until <= nowMs) this.entries.delete(key);
  }
}
