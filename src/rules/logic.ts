/**
 * JSON Logic for rule conditions (design.md section 2), with json-logic-engine, compiled once at
 * load. Two deliberate departures from plain JSON Logic, both so that a missing fact never fires
 * a threshold:
 *  - `<`, `<=`, `>`, `>=` are false when any operand is null/undefined or not a number/string
 *    (plain JSON Logic coerces null to 0, so "collapse-depth < 2" would be true with no X-ray);
 *  - only the operators listed in ALLOWED_OPERATORS may be used, and every `var` must name a
 *    known fact; the loader reports anything else with its JSON path.
 */
import { LogicEngine } from 'json-logic-engine';
import type { FactValue } from './facts.js';
import { STATUS_FACT_PREFIX } from './facts.js';
import {
  ARCO_STAGES, CHINESE_GROUPS, CHINESE_STAGES, ETIOLOGIES, JIC_TYPES, MODALITY_IDS, RECOMMENDATION_STATUSES, SEXES, SIDES, SIZE_CATEGORIES,
} from '../vocabulary/index.js';

export type Logic = unknown;
export type CompiledLogic = (facts: object) => FactValue;

// == and != are listed so that checkLogic can point to === and !== instead of "unknown operator".
const ALLOWED_OPERATORS = new Set([
  'var', '==', '===', '!=', '!==', '!', '!!', 'and', 'or', 'if', '?:', '??',
  '<', '<=', '>', '>=', 'in', '+', '-', '*', '/', 'min', 'max', 'some', 'all', 'none', 'missing', 'cat',
]);

/** Operators whose second argument is evaluated against each array element, not the facts. */
const ITERATORS = new Set(['some', 'all', 'none']);

/** Facts with a closed vocabulary: literals compared with them are checked at load. */
export const FACT_DOMAINS: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ['arco-stage', ARCO_STAGES],
  ['recorded-arco', ARCO_STAGES],
  ['chinese-stage', CHINESE_STAGES],
  ['recorded-chinese', CHINESE_STAGES],
  ['chinese-group', CHINESE_GROUPS],
  ['size-category', SIZE_CATEGORIES],
  ['necrotic-extent-category', SIZE_CATEGORIES],
  ['etiology', ETIOLOGIES],
  ['side', SIDES],
  ['sex', SEXES],
  ['jic-type', JIC_TYPES],
  ...MODALITY_IDS.map((m) => [`${STATUS_FACT_PREFIX}${m}`, RECOMMENDATION_STATUSES] as const),
]);

const isKnown = (v: unknown): v is number | string => typeof v === 'number' || typeof v === 'string';

function nullSafeComparison(compare: (a: number | string, b: number | string) => boolean) {
  return (args: unknown): boolean => {
    if (!Array.isArray(args) || args.length < 2) return false;
    for (const a of args) if (!isKnown(a)) return false;
    for (let i = 0; i + 1 < args.length; i++) {
      if (!compare(args[i] as number | string, args[i + 1] as number | string)) return false;
    }
    return true;
  };
}

function buildEngine(): LogicEngine {
  const engine = new LogicEngine();
  engine.addMethod('<', nullSafeComparison((a, b) => a < b), { deterministic: true });
  engine.addMethod('<=', nullSafeComparison((a, b) => a <= b), { deterministic: true });
  engine.addMethod('>', nullSafeComparison((a, b) => a > b), { deterministic: true });
  engine.addMethod('>=', nullSafeComparison((a, b) => a >= b), { deterministic: true });
  return engine;
}

const engine = buildEngine();

/** A fault in a rule condition, with the JSON path (relative to the condition) where it sits. */
export interface LogicFault {
  readonly path: string;
  readonly message: string;
}

/**
 * Checks a condition: every operator allowed, every `var` a known fact (or `status.<modality id>`).
 * Returns the faults found (empty when the condition is sound).
 */
export function checkLogic(
  logic: Logic,
  knownFacts: ReadonlySet<string>,
  path: string,
  domains: ReadonlyMap<string, readonly string[]> = FACT_DOMAINS,
): LogicFault[] {
  const faults: LogicFault[] = [];
  // A literal compared with a fact of a closed vocabulary (a stage, a status) must be in it:
  // {"==": [{"var": "arco-stage"}, "3"]} is a bad stage code, not a silently false rule.
  const checkLiterals = (op: string, args: unknown, at: string): void => {
    if (!Array.isArray(args) || args.length < 2) return;
    const domainOf = (a: unknown): readonly string[] | undefined => {
      if (a === null || typeof a !== 'object' || Array.isArray(a)) return undefined;
      const v = (a as Record<string, unknown>)['var'];
      return typeof v === 'string' ? domains.get(v) : undefined;
    };
    const report = (lit: unknown, domain: readonly string[], litPath: string): void => {
      if (typeof lit === 'string' && !domain.includes(lit)) {
        faults.push({ path: litPath, message: `"${lit}" is not one of ${domain.join(', ')}` });
      }
    };
    const [a, b] = args as [unknown, unknown];
    if (op === 'in') {
      const domain = domainOf(a);
      if (domain && Array.isArray(b)) b.forEach((lit, i) => { report(lit, domain, `${at}[1][${i}]`); });
      return;
    }
    const da = domainOf(a);
    const db = domainOf(b);
    if (da) report(b, da, `${at}[1]`);
    if (db) report(a, db, `${at}[0]`);
  };
  const walk = (node: unknown, at: string, insideIterator: boolean): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      node.forEach((n, i) => { walk(n, `${at}[${i}]`, insideIterator); });
      return;
    }
    const keys = Object.keys(node);
    if (keys.length !== 1) {
      faults.push({ path: at, message: `a JSON Logic operation has exactly one operator, found ${keys.length} keys (${keys.join(', ')})` });
      return;
    }
    const op = keys[0] as string;
    const args = (node as Record<string, unknown>)[op];
    const opPath = `${at}.${op}`;
    if (!ALLOWED_OPERATORS.has(op)) {
      faults.push({ path: opPath, message: `unknown JSON Logic operator "${op}"` });
      return;
    }
    if (op === 'var') {
      const name = Array.isArray(args) ? (args[0] as unknown) : args;
      if (insideIterator) return; // refers to the current array element
      if (typeof name !== 'string') {
        faults.push({ path: opPath, message: 'var needs a fact name (a string)' });
        return;
      }
      if (name.startsWith(STATUS_FACT_PREFIX)) {
        const modality = name.slice(STATUS_FACT_PREFIX.length);
        if (!(MODALITY_IDS as readonly string[]).includes(modality)) {
          faults.push({ path: opPath, message: `unknown modality id "${modality}" in "${name}"` });
        } else if (!knownFacts.has(STATUS_FACT_PREFIX.slice(0, -1))) {
          faults.push({ path: opPath, message: `"${name}": modality statuses are only known to order checks` });
        }
        return;
      }
      if (!knownFacts.has(name)) faults.push({ path: opPath, message: `unknown fact name "${name}"` });
      return;
    }
    if (ITERATORS.has(op) && Array.isArray(args)) {
      walk(args[0], `${opPath}[0]`, insideIterator);
      args.slice(1).forEach((a, i) => { walk(a, `${opPath}[${i + 1}]`, true); });
      return;
    }
    if (['==', '===', '!=', '!==', 'in'].includes(op)) checkLiterals(op, args, opPath);
    // json-logic-engine's == coerces (null == 0 and null == false are true): an unknown fact would
    // pass for "no collapse" or "no fracture". Rules compare with === and !== only.
    if (op === '==' || op === '!=') {
      faults.push({ path: opPath, message: `use ${op === '==' ? '===' : '!=='}: ${op} coerces, so an unknown (null) fact equals 0 and false` });
    }
    walk(args, opPath, insideIterator);
  };
  walk(logic, path, false);
  return faults;
}

/** The fact names a condition reads (`var`s outside iterators), each once, in the order met. */
export function factsRead(logic: Logic): string[] {
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const n of node as unknown[]) walk(n);
      return;
    }
    for (const [op, args] of Object.entries(node as Record<string, unknown>)) {
      if (op === 'var') {
        const name = Array.isArray(args) ? (args[0] as unknown) : args;
        if (typeof name === 'string') names.add(name);
      } else if (ITERATORS.has(op) && Array.isArray(args)) {
        walk((args as unknown[])[0]); // the rest refer to the current element
      } else {
        walk(args);
      }
    }
  };
  walk(logic);
  return [...names];
}

/** Compiles a checked condition once (json-logic-engine builds a JavaScript function). */
export function compileLogic(logic: Logic): CompiledLogic {
  const fn = engine.build(logic) as (data: object) => unknown;
  return (facts) => {
    const r = fn(facts);
    return r === undefined ? null : (r as FactValue);
  };
}

/** JSON Logic truthiness, as json-logic-engine defines it (empty arrays are false). */
export function truthy(value: unknown): boolean {
  return Boolean(engine.truthy(value));
}
