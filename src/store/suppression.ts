/**
 * Repeat-card suppression (issue 20, item 4): a card overridden for a patient is not shown again
 * to the same patient key for the same rule within the quiet time, unless the stage of the hip the
 * card is about has changed. Read on the hook path from memory only: no I/O, fail open.
 *
 * "The same rule": a card carries the rule sets behind it (extension `onfh-cds/rules`), not the one
 * rule that fired, and one patient-view call's cards share their rule sets. So a card's rule key is
 * its rule-set ids, indicator and summary: a changed summary (a new due date, another drug) is a new
 * situation and the card shows again. Suppression errs toward showing a card, never toward hiding one.
 */
import { createHash } from 'node:crypto';
import type { RuleRefs } from './schema.js';

const DAY_MS = 86_400_000;

/** What a card is matched on, computed once per card on the hook path. */
export interface CardIdentity {
  readonly ruleKey: string;
  /** The stage of the hip(s) the card is about when shown ("" when the decider said nothing). */
  readonly stage: string;
  readonly rules: RuleRefs;
}

/** One hip of the Assessment behind the cards (src/clinical.ts notes them per call). */
export interface HipStageNote {
  readonly side: string;
  readonly stage: string;
}

/** SHA-256 (base64url) of the card's rule-set ids, in the engine's order, indicator and summary. */
export function ruleKeyOf(card: { readonly indicator: string; readonly summary: string }, rules: RuleRefs): string {
  const hash = createHash('sha256');
  for (const r of rules) hash.update(`${r.id},`);
  return hash.update(`|${card.indicator}|${card.summary}`).digest('base64url');
}

const SIDE = /\b(left|right) hip\b/i;

/**
 * The card's hip: the side its summary names ("Right hip ONFH: …"), else every hip of the patient,
 * so a stage change on any hip shows a card that names none.
 */
export function stageOf(summary: string, hips: readonly HipStageNote[]): string {
  const side = SIDE.exec(summary)?.[1]?.toLowerCase();
  const chosen = side === undefined ? hips : hips.filter((h) => h.side === side);
  return (chosen.length > 0 ? chosen : hips).map((h) => `${h.side}:${h.stage}`).sort().join(';');
}

/** Quiet days of a card: the shortest `overrideQuietDays` among its rule sets, else the default. */
export function quietDaysOf(ruleSetQuietDays: ReadonlyMap<string, number>, defaultDays: number): (rules: RuleRefs) => number {
  return (rules) => {
    let days = Number.POSITIVE_INFINITY;
    for (const r of rules) {
      const d = ruleSetQuietDays.get(r.id);
      if (d !== undefined && d < days) days = d;
    }
    return Number.isFinite(days) ? days : defaultDays;
  };
}

interface Override {
  readonly atMs: number;
  readonly stage: string;
}

/** The overrides of the last quiet period, in memory: the hook path's only read of the store. */
export class OverrideCache {
  readonly #entries = new Map<string, Override>();
  readonly #quietDays: (rules: RuleRefs) => number;

  constructor(quietDays: (rules: RuleRefs) => number) {
    this.#quietDays = quietDays;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** An override (from feedback, or read back from the store); the newest per key wins. */
  note(patientKey: string, ruleKey: string, stage: string, atMs: number): void {
    const key = `${patientKey}\u0000${ruleKey}`;
    const known = this.#entries.get(key);
    if (known === undefined || known.atMs < atMs) this.#entries.set(key, { atMs, stage });
  }

  isQuiet(patientKey: string, card: CardIdentity, nowMs: number): boolean {
    const override = this.#entries.get(`${patientKey}\u0000${card.ruleKey}`);
    if (override === undefined) return false;
    if (override.stage !== card.stage) return false; // the hip's stage changed: show it again
    return nowMs - override.atMs < this.#quietDays(card.rules) * DAY_MS;
  }

  /** Forgets overrides older than `maxDays` (none can still suppress). */
  prune(nowMs: number, maxDays: number): void {
    for (const [key, o] of this.#entries) if (nowMs - o.atMs >= maxDays * DAY_MS) this.#entries.delete(key);
  }
}
