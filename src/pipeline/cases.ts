/**
 * Rule cases (design.md section 2): `rules/**\/cases/*.json`, each an input bundle, a fixed `now`
 * and the expected Assessment fragment, run by `npm test` and `onfh-cds rules test`. Named for what
 * they show: `in-…` the rule fires, `out-…` it does not (the opioid-cds habit, with a fixed `now`
 * instead of rewritten dates).
 *
 * Matching (a fragment, not the whole answer): object → each key must match, others ignored;
 * primitive → strictly equal; empty array → the actual array is empty; array of objects → each
 * expected element matches some actual element (`hips` paired by side, `recommendations` by
 * modality, `dataGaps` by code and, when given, side); array of primitives → each is contained.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { classifyDraftOrders } from '../facts/index.js';
import { checkOrders } from '../engine/index.js';
import { assessBundle } from './assess-bundle.js';
import { isRecord } from '../base/json.js';
import type { LoadedRules } from '../rules/index.js';

export interface CaseFailure {
  /** JSON path in the actual answer, e.g. "$.hips[side=right].stage.arco". */
  readonly path: string;
  readonly expected: unknown;
  readonly actual: unknown;
  readonly message: string;
}

export interface CaseResult {
  /** Path relative to the rules directory. */
  readonly file: string;
  readonly description: string;
  readonly spec: string;
  readonly ok: boolean;
  readonly failures: readonly CaseFailure[];
}


/** How elements of a named array are paired with the actual ones. */
const PAIR_KEYS: Readonly<Record<string, readonly string[]>> = {
  hips: ['side'],
  recommendations: ['modality'],
  dataGaps: ['code', 'side'],
};

function show(x: unknown): string {
  // undefined (a field the answer lacks) stringifies to undefined, whatever the type says
  const s = (JSON.stringify(x) as string | undefined) ?? String(x);
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}

/** Appends to `out` every way `actual` fails to match the fragment `expected`. */
export function matchFragment(expected: unknown, actual: unknown, path: string, out: CaseFailure[], key = ''): void {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) {
      out.push({ path, expected, actual, message: `expected an array, got ${show(actual)}` });
      return;
    }
    if (expected.length === 0) {
      if (actual.length > 0) out.push({ path, expected, actual, message: `expected none, got ${show(actual)}` });
      return;
    }
    expected.forEach((e, i) => {
      if (!isRecord(e)) {
        if (!actual.some((a) => a === e)) out.push({ path, expected: e, actual, message: `expected ${show(e)} among ${show(actual)}` });
        return;
      }
      const pairBy = (PAIR_KEYS[key] ?? []).filter((k) => k in e);
      if (pairBy.length > 0) {
        const label = pairBy.map((k) => `${k}=${String(e[k])}`).join(',');
        const candidates = actual.filter((a) => isRecord(a) && pairBy.every((k) => a[k] === e[k]));
        if (candidates.length === 0) {
          out.push({ path: `${path}[${label}]`, expected: e, actual, message: `no element with ${label}` });
          return;
        }
        // Several candidates (a data gap code on two hips): any that matches will do.
        let best: CaseFailure[] | null = null;
        for (const c of candidates) {
          const f: CaseFailure[] = [];
          matchFragment(e, c, `${path}[${label}]`, f);
          if (f.length === 0) return;
          if (best === null) best = f;
        }
        out.push(...(best ?? []));
        return;
      }
      if (actual.some((a) => { const f: CaseFailure[] = []; matchFragment(e, a, path, f); return f.length === 0; })) return;
      out.push({ path: `${path}[${i}]`, expected: e, actual, message: `no element matches ${show(e)}` });
    });
    return;
  }
  if (isRecord(expected)) {
    if (!isRecord(actual)) {
      out.push({ path, expected, actual, message: `expected an object, got ${show(actual)}` });
      return;
    }
    for (const [k, v] of Object.entries(expected)) matchFragment(v, actual[k], `${path}.${k}`, out, k);
    return;
  }
  if (expected !== actual) out.push({ path, expected, actual, message: `expected ${show(expected)}, got ${show(actual)}` });
}

function hasNestedArray(x: unknown): boolean {
  if (Array.isArray(x)) return true;
  return isRecord(x) && Object.values(x).some(hasNestedArray);
}

/** expectNot: the fragment's leaf array elements must not be present in the actual answer. */
export function matchAbsent(fragment: unknown, actual: unknown, path: string, out: CaseFailure[]): void {
  if (Array.isArray(fragment)) {
    if (!Array.isArray(actual)) return;
    const actualList: readonly unknown[] = actual;
    for (const e of fragment as readonly unknown[]) {
      if (isRecord(e)) {
        const selector = ['side', 'modality'].find((k) => k in e);
        if (selector !== undefined && Object.entries(e).some(([k, v]) => k !== selector && hasNestedArray(v))) {
          const label = `${selector}=${String(e[selector])}`;
          for (const a of actualList) {
            if (isRecord(a) && a[selector] === e[selector]) {
              const rest = Object.fromEntries(Object.entries(e).filter(([k]) => k !== selector));
              matchAbsent(rest, a, `${path}[${label}]`, out);
            }
          }
          continue;
        }
        const present = actualList.find((a) => { const f: CaseFailure[] = []; matchFragment(e, a, path, f); return f.length === 0; });
        if (present !== undefined) out.push({ path, expected: { not: e }, actual: present, message: `expected no element matching ${show(e)}, found ${show(present)}` });
      } else if (actualList.includes(e)) {
        out.push({ path, expected: { not: e }, actual, message: `expected ${show(e)} absent from ${show(actual)}` });
      }
    }
    return;
  }
  if (isRecord(fragment)) {
    if (!isRecord(actual)) return;
    for (const [k, v] of Object.entries(fragment)) matchAbsent(v, actual[k], `${path}.${k}`, out);
    return;
  }
  if (fragment === actual) out.push({ path, expected: { not: fragment }, actual, message: `expected anything but ${show(fragment)}` });
}

/** Case files of a rules directory (relative paths, sorted). */
export async function listCaseFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .filter((rel) => rel.split('/').slice(0, -1).includes('cases'))
    .sort();
}

/** Runs one case file's content against the loaded rules. */
export function runCase(file: string, content: unknown, rules: LoadedRules): CaseResult {
  const fail = (message: string, path = '$'): CaseResult => ({
    file, description: isRecord(content) && typeof content.description === 'string' ? content.description : '',
    spec: isRecord(content) && typeof content.spec === 'string' ? content.spec : '',
    ok: false, failures: [{ path, expected: null, actual: null, message }],
  });
  if (!isRecord(content)) return fail('a case file is a JSON object');
  const name = file.split('/').at(-1) ?? file;
  if (!name.startsWith('in-') && !name.startsWith('out-')) return fail('case file names start "in-" (rule fires) or "out-" (it does not)');
  const { now, bundle, expect } = content;
  if (typeof now !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(now)) return fail('"now" must be YYYY-MM-DD', '$.now');
  if (!isRecord(expect)) return fail('"expect" must be an Assessment fragment (an object)', '$.expect');
  const result = assessBundle(bundle, rules, now);
  if (!result.ok) return fail(`the bundle was refused: ${result.error}`, '$.bundle');

  const failures: CaseFailure[] = [];
  matchFragment(expect, result.assessment, '$', failures);
  if (content.expectNot !== undefined) matchAbsent(content.expectNot, result.assessment, '$', failures);
  if (content.draftOrders !== undefined || content.expectOrderChecks !== undefined) {
    const drafts = Array.isArray(content.draftOrders) ? content.draftOrders : [];
    const entries = isRecord(bundle) && Array.isArray(bundle.entry) ? (bundle.entry as unknown[]) : [];
    const resources = entries.map((e) => (isRecord(e) ? e.resource : undefined)).filter(isRecord);
    const { orders } = classifyDraftOrders(drafts as fhir4.FhirResource[], rules.valueSets, resources as unknown as fhir4.FhirResource[]);
    const checks = checkOrders(result, orders, rules);
    if (content.expectOrderChecks !== undefined) matchFragment(content.expectOrderChecks, checks, '$orderChecks', failures);
  }
  return {
    file,
    description: typeof content.description === 'string' ? content.description : '',
    spec: typeof content.spec === 'string' ? content.spec : '',
    ok: failures.length === 0,
    failures,
  };
}

/** Reads and runs one case file (`file` relative to `rulesDir`). */
export async function runCaseFile(rulesDir: string, file: string, rules: LoadedRules): Promise<CaseResult> {
  let content: unknown;
  try {
    content = JSON.parse(await readFile(join(rulesDir, file), 'utf8')) as unknown;
  } catch (e) {
    return { file, description: '', spec: '', ok: false, failures: [{ path: '$', expected: null, actual: null, message: `not valid JSON: ${(e as Error).message}` }] };
  }
  return runCase(file, content, rules);
}

/** Runs every `rules/**\/cases/*.json` of `rulesDir` against `rules`. */
export async function runCases(rulesDir: string, rules: LoadedRules): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const file of await listCaseFiles(rulesDir)) results.push(await runCaseFile(rulesDir, file, rules));
  return results;
}

/** A failing case in words: file, then each JSON path with expected vs actual. */
export function describeCaseResult(r: CaseResult): string {
  if (r.ok) return `ok   ${r.file}`;
  return [`FAIL ${r.file}: ${r.description}`, ...r.failures.map((f) => `     at ${f.path}: ${f.message}`)].join('\n');
}
