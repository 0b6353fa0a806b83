/**
 * What every card shares: uuid, source, the rule sets behind it (design.md section 1).
 */
import { randomUUID } from 'node:crypto';
import { RULES_EXTENSION_KEY, type Card, type Link, type OverrideReasonCoding, type Suggestion } from '../cds-hooks/card.js';
import type { OrderableStudy } from './resources.js';
import { SYSTEM } from './vocabulary.js';

export interface RuleSetRef {
  readonly id: string;
  readonly version: string;
}

export interface CardContext {
  readonly patientId: string;
  /** The rule sets behind patient-view cards (order cards name the rule of their check). */
  readonly ruleSets: readonly RuleSetRef[];
  /** Orderable follow-up study codes, from the value sets (rules/valuesets imaging-order), in file order. */
  readonly imagingOrders: readonly OrderableStudy[];
  /** source.label of every card (clinical-spec.md 14: "2025 Chinese guideline for non-surgical treatment of ONFH"); `url`: a fixed link when no rule pages are served. */
  readonly guideline: { readonly label: string; readonly url?: string };
  /** The public page of a rule set (GET /rules/{id}, design.md 8), from PUBLIC_BASE_URL; a card's source.url. */
  readonly ruleSetUrl?: (ruleSetId: string) => string;
  /** Injectable for deterministic tests; default crypto.randomUUID. */
  readonly uuid?: () => string;
}

/** A card before its uuid, source and extension are stamped on. */
export interface CardDraft {
  readonly summary: string;
  readonly detail: string;
  readonly indicator: Card['indicator'];
  readonly suggestions?: readonly Omit<Suggestion, 'uuid'>[];
  readonly selectionBehavior?: Card['selectionBehavior'];
  readonly overrideReasons?: readonly OverrideReasonCoding[];
  readonly links?: readonly Link[];
  /** The rule set whose page the card's source.url opens (default: the first the card names). */
  readonly ruleSet?: string;
}

/** The rule sets a card names, once each, and the source label. */
export interface CardStamp {
  readonly rules: readonly RuleSetRef[];
  readonly sourceLabel: string;
}

/** Rule set lists already made unique, by list: the engine hands over one list per rule set load. */
const uniqueByList = new WeakMap<readonly RuleSetRef[], { rules: readonly RuleSetRef[] }>();

function uniqueRules(rules: readonly RuleSetRef[]): { rules: readonly RuleSetRef[] } {
  let unique = uniqueByList.get(rules);
  if (unique === undefined) {
    const seen = new Map<string, RuleSetRef>();
    for (const r of rules) seen.set(`${r.id}@${r.version}`, Object.freeze({ id: r.id, version: r.version }));
    const list = Object.freeze([...seen.values()]);
    unique = { rules: list };
    // Only a list that cannot change may be remembered: the engine's Assessment.rules is frozen.
    if (Object.isFrozen(rules)) uniqueByList.set(rules, unique);
  }
  return unique;
}

/**
 * The rule sets behind a response's cards, named once for all of them: unique by id and version
 * (frozen, shared by the cards), and the `source` label naming the guideline.
 */
export function cardStamp(rules: readonly RuleSetRef[], ctx: CardContext): CardStamp {
  const unique = uniqueRules(rules);
  if (unique.rules.length === 0) throw new Error('cards: no rule set to name on the card (CardContext.ruleSets is empty)');
  // clinical-spec.md 14: the label names the guideline in words; rule versions are in the extension.
  return { rules: unique.rules, sourceLabel: ctx.guideline.label };
}

/**
 * Stamps uuid (card first, then its suggestions, in order), `source` naming the guideline and the
 * rule set version(s), and `extension["onfh-cds/rules"]`. Optional arrays that would be empty are
 * left out (CDS Hooks 2.0 "Use of JSON": no empty arrays).
 */
export function finishCard(draft: CardDraft, stamp: CardStamp, ctx: CardContext): Card {
  const uuid = ctx.uuid ?? randomUUID;
  // Built key by key in the order the cards have always had (JSON bytes unchanged), no spreads.
  const card: Mutable<Omit<Card, 'extension'>> & { extension?: Card['extension'] } = {
    uuid: uuid(),
    summary: draft.summary,
    detail: draft.detail,
    indicator: draft.indicator,
    source: sourceOf(draft, stamp, ctx),
  };
  if (draft.suggestions !== undefined && draft.suggestions.length > 0) {
    card.suggestions = draft.suggestions.map((s): Suggestion => {
      const suggestion: Mutable<Suggestion> = { label: s.label, uuid: uuid() };
      if (s.isRecommended !== undefined) suggestion.isRecommended = s.isRecommended;
      if (s.actions !== undefined && s.actions.length > 0) suggestion.actions = s.actions;
      return suggestion;
    });
    card.selectionBehavior = draft.selectionBehavior ?? 'at-most-one';
  }
  if (draft.overrideReasons !== undefined && draft.overrideReasons.length > 0) card.overrideReasons = draft.overrideReasons;
  if (draft.links !== undefined && draft.links.length > 0) card.links = draft.links;
  card.extension = { [RULES_EXTENSION_KEY]: stamp.rules };
  return card as Card;
}

function sourceOf(draft: CardDraft, stamp: CardStamp, ctx: CardContext): Card['source'] {
  const url = sourceUrl(ctx, draft.ruleSet ?? stamp.rules[0]?.id);
  return url === undefined ? { label: stamp.sourceLabel } : { label: stamp.sourceLabel, url };
}

/** The rule set's public page, else the fixed guideline URL, else none. */
function sourceUrl(ctx: CardContext, ruleSet: string | undefined): string | undefined {
  return ctx.ruleSetUrl !== undefined && ruleSet !== undefined ? ctx.ruleSetUrl(ruleSet) : ctx.guideline.url;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function overrideReason(code: string, display: string): OverrideReasonCoding {
  return { system: SYSTEM.overrideReason, code, display };
}

/** A link to the rules behind the card (their page cites the guideline), where there is a URL: the source one click away. */
export function guidelineLinks(ctx: CardContext, label: string, ruleSet?: string): Link[] {
  const url = sourceUrl(ctx, ruleSet);
  return url === undefined ? [] : [{ label, url, type: 'absolute' }];
}
