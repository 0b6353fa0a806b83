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
  /** e.g. { label: "Non-surgical ONFH guideline 2025", url: "https://…" }. */
  readonly guideline: { readonly label: string; readonly url?: string };
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
}

function uniqueRules(rules: readonly RuleSetRef[]): RuleSetRef[] {
  const seen = new Map<string, RuleSetRef>();
  for (const r of rules) seen.set(`${r.id}@${r.version}`, { id: r.id, version: r.version });
  return [...seen.values()];
}

/**
 * Stamps uuid (card first, then its suggestions, in order), `source` naming the guideline and the
 * rule set version(s), and `extension["onfh-cds/rules"]`. Optional arrays that would be empty are
 * left out (CDS Hooks 2.0 "Use of JSON": no empty arrays).
 */
export function finishCard(draft: CardDraft, rules: readonly RuleSetRef[], ctx: CardContext): Card {
  const uuid = ctx.uuid ?? randomUUID;
  const ruleList = uniqueRules(rules);
  if (ruleList.length === 0) throw new Error('cards: no rule set to name on the card (CardContext.ruleSets is empty)');
  const versions = [...new Set(ruleList.map((r) => r.version))].join(', ');
  const cardUuid = uuid();
  const suggestions = (draft.suggestions ?? []).map((s): Suggestion => ({
    label: s.label,
    uuid: uuid(),
    ...(s.isRecommended === undefined ? {} : { isRecommended: s.isRecommended }),
    ...(s.actions === undefined || s.actions.length === 0 ? {} : { actions: s.actions }),
  }));
  return {
    uuid: cardUuid,
    summary: draft.summary,
    detail: draft.detail,
    indicator: draft.indicator,
    source: {
      label: `${ctx.guideline.label} · rules ${versions}`,
      ...(ctx.guideline.url === undefined ? {} : { url: ctx.guideline.url }),
    },
    ...(suggestions.length > 0 ? { suggestions, selectionBehavior: draft.selectionBehavior ?? 'at-most-one' } : {}),
    ...(draft.overrideReasons !== undefined && draft.overrideReasons.length > 0 ? { overrideReasons: draft.overrideReasons } : {}),
    ...(draft.links !== undefined && draft.links.length > 0 ? { links: draft.links } : {}),
    extension: { [RULES_EXTENSION_KEY]: ruleList },
  };
}

export function overrideReason(code: string, display: string): OverrideReasonCoding {
  return { system: SYSTEM.overrideReason, code, display };
}

/** A link to the guideline, where there is a URL for it: the source one click away. */
export function guidelineLinks(ctx: CardContext, label: string): Link[] {
  return ctx.guideline.url === undefined ? [] : [{ label, url: ctx.guideline.url, type: 'absolute' }];
}
