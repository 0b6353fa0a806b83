/**
 * CDS Hooks 2.0 response wire types: Card, Suggestion, Action, Link, Source, Coding, and the zod
 * schemas of a hook response. Section references are to the CDS Hooks 2.0 specification
 * (https://cds-hooks.hl7.org/2.0/, source `HL7/cds-hooks` input/pagecontent/index.md).
 *
 * Where design.md section 1 is stricter than CDS Hooks (uuid, detail and extension on every
 * card), the TypeScript types follow design.md so our own code cannot forget them; the zod
 * schemas accept exactly what the types describe. `checkCardRules` adds the rules a schema
 * cannot express well (cross-field rules, no null/empty anywhere, source label naming the rules).
 */
import { z } from 'zod';
import { isRecord } from '../base/json.js';
import { INDICATORS } from '../vocabulary/index.js';

/**
 * CDS Hooks 2.0 "Data Types › Coding": `code` and `system` REQUIRED; `display` REQUIRED for
 * override reasons, OPTIONAL for `source.topic`.
 * https://cds-hooks.hl7.org/2.0/#coding
 */
export interface Coding {
  readonly system: string;
  readonly code: string;
  readonly display?: string;
}

/** An override reason: a Coding whose `display` the service MUST populate (CDS Hooks 2.0 "Card Attributes"). */
export interface OverrideReasonCoding extends Coding {
  readonly display: string;
}

/**
 * CDS Hooks 2.0 "Card Attributes › Source". `label` REQUIRED; `url` opens the organisation or
 * data set behind the card (not a drill-down: that is a Link).
 * https://cds-hooks.hl7.org/2.0/#source
 */
export interface Source {
  readonly label: string;
  readonly url?: string;
  readonly icon?: string;
  readonly topic?: Coding;
}

/** A FHIR resource carried by an Action: only `resourceType` is known to this layer. */
export interface ActionResource {
  readonly resourceType: string;
  readonly [key: string]: unknown;
}

/**
 * CDS Hooks 2.0 "Action": `type` create | update | delete; `description` REQUIRED (optional only
 * for systemActions); `resource` for create/update; `resourceId` (relative reference, e.g.
 * "MedicationRequest/abc") SHOULD be given for delete, the string-in-`resource` form being
 * deprecated. https://cds-hooks.hl7.org/2.0/#action
 */
export interface Action {
  readonly type: 'create' | 'update' | 'delete';
  readonly description: string;
  readonly resource?: ActionResource;
  readonly resourceId?: string;
}

/** CDS Hooks 2.0 "System Action": an Action whose `description` is optional. */
export interface SystemAction {
  readonly type: 'create' | 'update' | 'delete';
  readonly description?: string;
  readonly resource?: ActionResource;
  readonly resourceId?: string;
}

/**
 * CDS Hooks 2.0 "Suggestion": `label` REQUIRED; `uuid` OPTIONAL in the spec but required here
 * (design.md section 1: feedback names accepted suggestions by uuid, and without one the client
 * sends no feedback at all). Actions within one suggestion are AND-ed.
 * https://cds-hooks.hl7.org/2.0/#suggestion
 */
export interface Suggestion {
  readonly label: string;
  readonly uuid: string;
  readonly isRecommended?: boolean;
  readonly actions?: readonly Action[];
}

/**
 * CDS Hooks 2.0 "Link": `label`, `url`, `type` (absolute | smart) REQUIRED; `appContext` only
 * for smart links. https://cds-hooks.hl7.org/2.0/#link
 */
export interface Link {
  readonly label: string;
  readonly url: string;
  readonly type: 'absolute' | 'smart';
  readonly appContext?: string;
  readonly autolaunchable?: boolean;
}

/** Card extension (CDS Hooks 2.0 "Extensions"): a JSON object with namespaced keys. */
export type CardExtension = Readonly<Record<string, unknown>>;

/**
 * CDS Hooks 2.0 "Card Attributes". https://cds-hooks.hl7.org/2.0/#card-attributes
 * - `summary`: one sentence, under 140 characters.
 * - `detail`: GitHub-flavoured markdown (OPTIONAL in the spec, required by design.md section 1).
 * - `indicator`: info < warning < critical.
 * - `selectionBehavior`: CONDITIONAL, MUST be present when `suggestions` are.
 * - `overrideReasons`: Codings, each with `display` (required on our warning cards).
 * - `extension`: ours carries the rule sets behind the card (`onfh-cds/rules`).
 */
export interface Card {
  readonly uuid: string;
  readonly summary: string;
  readonly detail: string;
  readonly indicator: 'info' | 'warning' | 'critical';
  readonly source: Source;
  readonly suggestions?: readonly Suggestion[];
  readonly selectionBehavior?: 'at-most-one' | 'any';
  readonly overrideReasons?: readonly OverrideReasonCoding[];
  readonly links?: readonly Link[];
  readonly extension: CardExtension;
}

/** CDS Hooks 2.0 "HTTP Response": `cards` REQUIRED (may be empty: no guidance), `systemActions` OPTIONAL. */
export interface CardsResponse {
  readonly cards: readonly Card[];
  readonly systemActions?: readonly SystemAction[];
}

/** Extension key carrying `[{ id, version }]` of the rule sets behind a card (design.md section 1). */
export const RULES_EXTENSION_KEY = 'onfh-cds/rules';

// ---------------------------------------------------------------------------------------------
// zod schemas. Strings and arrays are non-empty because CDS Hooks 2.0 "Use of JSON" forbids
// null, "", [] and {} unless a field says otherwise; `cards` is the one array allowed to be empty.

const text = z.string().min(1);
const absoluteUrl = z.url();

export const CodingSchema = z.strictObject({
  system: text,
  code: text,
  display: text.optional(),
});

export const SourceSchema = z.strictObject({
  label: text,
  url: absoluteUrl.optional(),
  icon: absoluteUrl.optional(),
  topic: CodingSchema.optional(),
});

const ActionResourceSchema = z.looseObject({ resourceType: text });
const relativeReference = z.string().regex(/^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/, 'a relative reference Type/id');

const actionFields = {
  type: z.enum(['create', 'update', 'delete']),
  resource: ActionResourceSchema.optional(),
  resourceId: relativeReference.optional(),
};

export const ActionSchema = z.strictObject({ ...actionFields, description: text });
export const SystemActionSchema = z.strictObject({ ...actionFields, description: text.optional() });

export const SuggestionSchema = z.strictObject({
  label: text,
  uuid: z.uuid(),
  isRecommended: z.boolean().optional(),
  actions: z.array(ActionSchema).min(1).optional(),
});

export const LinkSchema = z.strictObject({
  label: text,
  url: absoluteUrl,
  type: z.enum(['absolute', 'smart']),
  appContext: text.optional(),
  autolaunchable: z.boolean().optional(),
});

export const CardSchema = z.strictObject({
  uuid: z.uuid(),
  summary: text.max(139),
  detail: text,
  indicator: z.enum(INDICATORS),
  source: SourceSchema,
  suggestions: z.array(SuggestionSchema).min(1).optional(),
  selectionBehavior: z.enum(['at-most-one', 'any']).optional(),
  overrideReasons: z.array(CodingSchema.required({ display: true })).min(1).optional(),
  links: z.array(LinkSchema).min(1).optional(),
  extension: z.record(z.string().min(1), z.unknown()),
});

export const CardsResponseSchema = z.strictObject({
  cards: z.array(CardSchema),
  systemActions: z.array(SystemActionSchema).min(1).optional(),
});

// The hand-written types and the schemas must describe the same JSON: fail compilation if not.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type DeepMutable<T> = T extends readonly (infer U)[] ? DeepMutable<U>[] : T extends object ? { -readonly [K in keyof T]: DeepMutable<T[K]> } : T;
/** @public compile-time check, read by no code */
export const CARD_TYPES_AGREE: Same<DeepMutable<CardsResponse>, DeepMutable<z.infer<typeof CardsResponseSchema>>> = true;

// ---------------------------------------------------------------------------------------------
// checkCardRules

/** Every null, "", [] and {} below `value`, as JSON paths (CDS Hooks 2.0 "Use of JSON"). */
function emptyValues(value: unknown, path: string, out: string[]): void {
  if (value === null) { out.push(`${path} is null`); return; }
  if (typeof value === 'string' && value.trim() === '') { out.push(`${path} is an empty string`); return; }
  if (Array.isArray(value)) {
    if (value.length === 0) out.push(`${path} is an empty array`);
    value.forEach((v, i) => { emptyValues(v, `${path}[${String(i)}]`, out); });
    return;
  }
  if (isRecord(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) out.push(`${path} is an empty object`);
    for (const k of keys) {
      const v = value[k];
      if (v === undefined) continue; // dropped by JSON.stringify, so never on the wire
      emptyValues(v, `${path}.${k}`, out);
    }
  }
}

/**
 * Checks one card against CDS Hooks 2.0 and design.md section 1; returns the faults found, each
 * naming its JSON path (empty when the card is fine). Takes `unknown` so tests and the HTTP layer
 * can check whatever they hold.
 *
 * CDS Hooks 2.0: summary under 140 characters; indicator info | warning | critical; source.label;
 * selectionBehavior present whenever suggestions are; each override reason a Coding with display;
 * delete actions name a resourceId; create/update actions carry a resource; no null or empty value.
 * Ours: uuid on every card and suggestion; markdown detail; source.label naming the guideline (the
 * rule set versions are in the extension; clinical-spec.md 14), source.url absolute; overrideReasons on warning (and critical) cards; extension listing the
 * rule sets (id and version) behind the card.
 */
export function checkCardRules(card: unknown): string[] {
  const faults: string[] = [];
  const parsed = CardSchema.safeParse(card);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      faults.push(`card.${issue.path.map(String).join('.')}: ${issue.message}`);
    }
  }
  emptyValues(card, 'card', faults);
  if (!isRecord(card)) return faults;

  const suggestions = Array.isArray(card['suggestions']) ? (card['suggestions'] as unknown[]) : [];
  if (suggestions.length > 0 && card['selectionBehavior'] === undefined) {
    faults.push('card.selectionBehavior: required when the card has suggestions (CDS Hooks 2.0 Card)');
  }
  if (suggestions.length === 0 && card['selectionBehavior'] !== undefined) {
    faults.push('card.selectionBehavior: given without suggestions');
  }
  suggestions.forEach((s, i) => {
    if (!isRecord(s)) return;
    const actions = Array.isArray(s['actions']) ? (s['actions'] as unknown[]) : [];
    if (actions.length === 0) faults.push(`card.suggestions[${String(i)}].actions: a suggestion with nothing to do`);
    actions.forEach((a, j) => {
      if (!isRecord(a)) return;
      const at = `card.suggestions[${String(i)}].actions[${String(j)}]`;
      const type = a['type'];
      if (type === 'delete') {
        if (typeof a['resourceId'] !== 'string') faults.push(`${at}.resourceId: required on a delete action`);
        if (a['resource'] !== undefined) faults.push(`${at}.resource: not used on delete (deprecated form); use resourceId`);
      } else if (!isRecord(a['resource'])) {
        faults.push(`${at}.resource: required on a ${String(type)} action`);
      }
    });
  });

  const indicator = card['indicator'];
  if ((indicator === 'warning' || indicator === 'critical') && !Array.isArray(card['overrideReasons'])) {
    faults.push(`card.overrideReasons: required on a ${indicator} card`);
  }

  const uuids = [card['uuid'], ...suggestions.map((s) => (isRecord(s) ? s['uuid'] : undefined))];
  if (new Set(uuids).size !== uuids.length) faults.push('card: uuids of the card and its suggestions are not unique');

  const rules = isRecord(card['extension']) ? card['extension'][RULES_EXTENSION_KEY] : undefined;
  const ruleList = Array.isArray(rules) ? (rules as unknown[]) : [];
  const validRules = ruleList.filter(
    (r): r is { id: string; version: string } =>
      isRecord(r) && typeof r['id'] === 'string' && r['id'] !== '' && typeof r['version'] === 'string' && r['version'] !== '',
  );
  if (validRules.length === 0 || validRules.length !== ruleList.length) {
    faults.push(`card.extension["${RULES_EXTENSION_KEY}"]: must list the rule sets behind the card as [{ id, version }]`);
  }

  const label = isRecord(card['source']) ? card['source']['label'] : undefined;
  // clinical-spec.md 14: the label names the guideline in a clinician's words; the rule set versions
  // are in the extension above, and source.url opens their page (design.md 8).
  const url = isRecord(card['source']) ? card['source']['url'] : undefined;
  if (url !== undefined && (typeof url !== 'string' || !/^https?:\/\//.test(url))) {
    faults.push('card.source.url: must be an absolute http(s) URL');
  }
  if (typeof label === 'string' && !/guideline|\bGL\d{4}\b/i.test(label)) {
    faults.push('card.source.label: must name the guideline');
  }
  return faults;
}
