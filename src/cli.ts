#!/usr/bin/env node
/**
 * onfh-cds command line (design.md section 1): the engine offline.
 *   onfh-cds assess <bundle.json> [--now YYYY-MM-DD] [--rules DIR]   print the Assessment JSON
 *   onfh-cds cards <file.json> [--hook H] [--now YYYY-MM-DD] [--json] [--base-url URL]  the cards as an EHR shows them
 *   onfh-cds rules validate [--rules DIR]                             load and check every rule file
 *   onfh-cds rules test [--rules DIR]                                 run rules/**\/cases/*.json
 *   onfh-cds reports eval [--set corpus|heldout] [--rules DIR] [--misses]  read a report set, print precision and recall
 * Exit 0 on success, 1 on a bad bundle, a refused rule set or a failing case, 2 on bad usage.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BUNDLED_RULES_DIR } from './config.js';
import { isIsoDate } from './engine/dates.js';
import { RulesLoadError, loadRules } from './rules/index.js';
import type { LoadedRules } from './rules/index.js';
import { assessBundle } from './pipeline/index.js';
import { describeCaseResult, runCases } from './pipeline/cases.js';
import type { CorpusEntry } from './reports/corpus.js';
import { CorpusEntrySchema, describeCorpusResult, evaluateCorpus } from './reports/corpus.js';
import { cardsText } from './cards/text.js';
import type { HookName } from './cds-hooks/request.js';
import { HOOKS, offlineCards } from './pipeline/offline-cards.js';

const USAGE = `usage:
  onfh-cds assess <bundle.json> [--now YYYY-MM-DD] [--rules DIR]
  onfh-cds cards <bundle-or-hook-request.json> [--hook patient-view|order-select|order-sign] [--now YYYY-MM-DD] [--json] [--base-url URL] [--rules DIR]
  onfh-cds rules validate [--rules DIR]
  onfh-cds rules test [--rules DIR]
  onfh-cds reports eval [--set corpus|heldout] [--rules DIR] [--misses]`;

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Today as YYYY-MM-DD (the default for --now). */
  readonly today: () => string;
}

class UsageError extends Error {}

/** Where `npm start` serves the rule pages the cards link to (override with --base-url). */
const DEFAULT_BASE_URL = 'http://localhost:3000';

async function load(dir: string, io: CliIo): Promise<LoadedRules | null> {
  try {
    return await loadRules(dir);
  } catch (e) {
    if (e instanceof RulesLoadError) {
      io.err(e.message);
      return null;
    }
    throw e;
  }
}

/** A JSON file and the rules, or null when either cannot be had (the reason written to err). */
async function readWithRules(file: string, rulesDir: string, io: CliIo): Promise<{ json: unknown; rules: LoadedRules } | null> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (e) {
    io.err(`cannot read ${file}: ${(e as Error).message}`);
    return null;
  }
  const rules = await load(rulesDir, io);
  return rules === null ? null : { json, rules };
}

async function assessCommand(file: string | undefined, now: string, rulesDir: string, io: CliIo): Promise<number> {
  if (file === undefined) throw new UsageError('assess needs a bundle file');
  if (!isIsoDate(now)) throw new UsageError(`--now must be a date YYYY-MM-DD, got "${now}"`);
  const read = await readWithRules(file, rulesDir, io);
  if (read === null) return 1;
  const result = assessBundle(read.json, read.rules, now);
  if (!result.ok) {
    io.err(`${file}: ${result.error}`);
    return 1;
  }
  io.out(JSON.stringify(result.assessment, null, 2));
  return 0;
}

/** The cards of a Bundle or a hook request, as text (or the CDS Hooks response with --json). */
async function cardsCommand(file: string | undefined, opts: { now: string; hook: string | undefined; json: boolean; baseUrl: string }, rulesDir: string, io: CliIo): Promise<number> {
  if (file === undefined) throw new UsageError('cards needs a Bundle or a CDS Hooks request file');
  if (!isIsoDate(opts.now)) throw new UsageError(`--now must be a date YYYY-MM-DD, got "${opts.now}"`);
  if (opts.hook !== undefined && !(HOOKS as readonly string[]).includes(opts.hook)) {
    throw new UsageError(`--hook must be one of ${HOOKS.join(', ')}, got "${opts.hook}"`);
  }
  const read = await readWithRules(file, rulesDir, io);
  if (read === null) return 1;
  const result = offlineCards(read.json, read.rules, opts.now, opts.hook as HookName | undefined, { publicBaseUrl: opts.baseUrl });
  if (!result.ok) {
    io.err(`${file}: ${result.error}`);
    return 1;
  }
  if (opts.json) {
    io.out(JSON.stringify({ cards: result.cards }, null, 2));
    return 0;
  }
  const what = result.input === 'bundle' ? 'FHIR Bundle' : 'CDS Hooks request';
  io.out(`${result.hook} for Patient/${result.patientId} on ${opts.now} (${what} ${file}): ${String(result.cards.length)} card${result.cards.length === 1 ? '' : 's'}\n`);
  io.out(cardsText(result.cards));
  return 0;
}

async function validateCommand(rulesDir: string, io: CliIo): Promise<number> {
  const rules = await load(rulesDir, io);
  if (!rules) return 1;
  for (const s of rules.sets) io.out(`${s.status.padEnd(7)} ${s.id}@${s.version}  ${s.file}  sha256:${s.sha256.slice(0, 12)}`);
  io.out(`${rules.sets.length} rule files valid in ${rulesDir}`);
  return 0;
}

async function testCommand(rulesDir: string, io: CliIo): Promise<number> {
  const rules = await load(rulesDir, io);
  if (!rules) return 1;
  const results = await runCases(rulesDir, rules);
  const failed = results.filter((r) => !r.ok);
  for (const r of results) (r.ok ? io.out : io.err)(describeCaseResult(r));
  io.out(`${results.length - failed.length}/${results.length} cases pass`);
  return failed.length === 0 ? 0 : 1;
}

/**
 * The report sets `reports eval` scores: `corpus` (rules/reports/corpus/, the development set the
 * lexicons were written against) and `heldout` (rules/reports/heldout/, never tuned on; its README).
 */
const REPORT_SETS = ['corpus', 'heldout'] as const;
type ReportSet = (typeof REPORT_SETS)[number];

function reportSet(value: string | undefined): ReportSet {
  const set = value ?? 'corpus';
  if (!(REPORT_SETS as readonly string[]).includes(set)) throw new UsageError(`--set must be one of ${REPORT_SETS.join(', ')}, got "${set}"`);
  return set as ReportSet;
}

/** Reads rules/reports/<set>/<language>/*.json; a file that is not a corpus entry is named and fails the run. */
async function readCorpus(rulesDir: string, set: ReportSet, io: CliIo): Promise<CorpusEntry[] | null> {
  const dir = join(rulesDir, 'reports', set);
  const entries: CorpusEntry[] = [];
  let bad = false;
  for (const language of ['en', 'zh']) {
    const files = (await readdir(join(dir, language)).catch(() => [])).filter((f) => f.endsWith('.json')).sort();
    for (const f of files) {
      const file = join('reports', set, language, f);
      try {
        const parsed = CorpusEntrySchema.safeParse(JSON.parse(await readFile(join(rulesDir, file), 'utf8')));
        if (parsed.success) entries.push(parsed.data);
        else {
          bad = true;
          io.err(`${file}: ${parsed.error.issues.map((i) => `$.${i.path.join('.')}: ${i.message}`).join('; ')}`);
        }
      } catch (e) {
        bad = true;
        io.err(`${file}: ${(e as Error).message}`);
      }
    }
  }
  return bad ? null : entries;
}

async function reportsEvalCommand(rulesDir: string, set: ReportSet, withMisses: boolean, io: CliIo): Promise<number> {
  const rules = await load(rulesDir, io);
  if (!rules) return 1;
  const entries = await readCorpus(rulesDir, set, io);
  if (!entries) return 1;
  const { lines, ok } = describeCorpusResult(evaluateCorpus(entries, rules.reportLexicons), withMisses);
  for (const line of lines) io.out(line);
  if (!ok) io.err(entries.length === 0 ? `no corpus entries in ${join(rulesDir, 'reports', set)}` : 'report reading is below the floor for a language');
  return ok ? 0 : 1;
}

/** Runs the CLI with `argv` (without node and the script); returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        now: { type: 'string' },
        rules: { type: 'string' },
        hook: { type: 'string' },
        json: { type: 'boolean' },
        'base-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        misses: { type: 'boolean' },
        set: { type: 'string' },
      },
    });
    if (values.help === true) {
      io.out(USAGE);
      return 0;
    }
    const rulesDir = resolve(values.rules ?? BUNDLED_RULES_DIR);
    const [command, sub, ...rest] = positionals;
    if (command === 'assess' && rest.length === 0) return await assessCommand(sub, values.now ?? io.today(), rulesDir, io);
    if (command === 'cards' && rest.length === 0) {
      return await cardsCommand(sub, { now: values.now ?? io.today(), hook: values.hook, json: values.json === true, baseUrl: values['base-url'] ?? DEFAULT_BASE_URL }, rulesDir, io);
    }
    if (command === 'rules' && sub === 'validate' && rest.length === 0) return await validateCommand(rulesDir, io);
    if (command === 'rules' && sub === 'test' && rest.length === 0) return await testCommand(rulesDir, io);
    if (command === 'reports' && sub === 'eval' && rest.length === 0) return await reportsEvalCommand(rulesDir, reportSet(values.set), values.misses === true, io);
    throw new UsageError(command === undefined ? 'no command' : `unknown command "${positionals.join(' ')}"`);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) {
      io.err(`${(e as Error).message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}

const invokedDirectly = process.argv[1] !== undefined && /(^|[/\\])(cli\.(ts|js)|onfh-cds)$/.test(process.argv[1]);
if (invokedDirectly) {
  const code = await runCli(process.argv.slice(2), {
    out: (t) => { process.stdout.write(`${t}\n`); },
    err: (t) => { process.stderr.write(`${t}\n`); },
    today: () => new Date().toISOString().slice(0, 10),
  });
  process.exitCode = code;
}
