/**
 * Loads the versioned JSON rule sets of a rules directory (design.md section 2): every
 * `**\/*.json` except `cases/`, `schema/`, `corpus/` and `heldout/` folders, dispatched on `kind` to the
 * kind's module (kinds/), validated with zod, conditions checked and compiled once. Any fault
 * refuses the whole load with a RulesLoadError naming the file and the JSON path; a service never
 * starts on half a rule set.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { z } from 'zod';
import { BUILT_IN_FACT_NAMES, STATUS_FACT_PREFIX, blankFactsMaker } from './facts.js';
import { derivedOrderFaults, type DerivedFactsFile } from './kinds/derived-facts.js';
import { KIND_BY_NAME, RULE_KIND_MODULES, type CompileContext, type ParsedRuleFile } from './kinds/index.js';
import { collectContraindicationSets, type ModalitiesFile } from './kinds/modalities.js';
import { checkLogic } from './logic.js';
import { RuleHeaderSchema } from './schemas.js';
import { RulesLoadError, type CompiledRules, type LoadedRules, type RuleFault, type RuleSetInfo } from './types.js';

export * from './types.js';

interface ReadFile {
  readonly file: string;
  readonly sha256: string;
  readonly json: unknown;
}

/** Case files (pipeline/cases.ts), editor schemas, and report corpora (issue 17: rules/reports/corpus/, and the held-out set rules/reports/heldout/) are not rule files. */
const SKIPPED_FOLDERS = new Set(['cases', 'schema', 'corpus', 'heldout']);

/**
 * The rule files of a directory, as `folder/name.json` paths. A symbolic link to a file counts as
 * the file, under the link's name; entries whose name starts with `..` are never read. That is the
 * layout of a Kubernetes ConfigMap volume: each key a link to `..data/<key>`, `..data` a link to a
 * timestamped `..<date>` folder holding the files, replaced on every update. Read that way, the
 * names in GET /rules and the logs are the keys, not the timestamped copies.
 */
async function listRuleFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const names: string[] = [];
  for (const e of entries) {
    if (!e.name.endsWith('.json')) continue;
    const parts = relative(dir, join(e.parentPath, e.name)).split(sep);
    if (parts.some((part) => part.startsWith('..'))) continue;
    if (parts.slice(0, -1).some((part) => SKIPPED_FOLDERS.has(part))) continue;
    if (!e.isFile() && !(e.isSymbolicLink() && (await stat(join(dir, ...parts))).isFile())) continue;
    names.push(parts.join('/'));
  }
  return names.sort();
}

function jsonPath(path: readonly PropertyKey[]): string {
  return '$' + path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
}

function zodFaults(file: string, error: z.ZodError): RuleFault[] {
  return error.issues.map((i) => ({ file, path: jsonPath(i.path), message: i.message }));
}

/** Reads, validates and compiles every rule file of `dir`; throws RulesLoadError on any fault. */
export async function loadRules(dir: string): Promise<LoadedRules> {
  let names: string[];
  try {
    names = await listRuleFiles(dir);
  } catch (e) {
    throw new RulesLoadError([{ file: '.', path: '$', message: `cannot read the rules directory: ${(e as Error).message}` }], dir);
  }
  const files: ReadFile[] = [];
  const faults: RuleFault[] = [];
  for (const file of names) {
    const text = await readFile(join(dir, file), 'utf8');
    const sha256 = createHash('sha256').update(text).digest('hex');
    try {
      files.push({ file, sha256, json: JSON.parse(text) as unknown });
    } catch (e) {
      faults.push({ file, path: '$', message: `not valid JSON: ${(e as Error).message}` });
    }
  }
  const compiled = compileRuleFiles(files, faults);
  if (faults.length > 0 || compiled === null) throw new RulesLoadError(faults, dir);
  return { dir, ...compiled };
}

/** Pure part of the loader (exported for tests and the CLI): files → compiled rules, faults appended. */
export function compileRuleFiles(files: readonly ReadFile[], faults: RuleFault[]): Omit<LoadedRules, 'dir'> | null {
  const parsedFiles: ParsedRuleFile<unknown>[] = [];
  for (const f of files) {
    const header = RuleHeaderSchema.safeParse(f.json);
    if (!header.success) {
      faults.push(...zodFaults(f.file, header.error));
      continue;
    }
    const kind = header.data.kind;
    const module = KIND_BY_NAME.get(kind);
    if (module === undefined) {
      faults.push({ file: f.file, path: '$.kind', message: `unknown kind "${kind}" (one of ${RULE_KIND_MODULES.map((k) => k.kind).join(', ')})` });
      continue;
    }
    const r = module.schema.safeParse(f.json);
    if (!r.success) {
      faults.push(...zodFaults(f.file, r.error));
      continue;
    }
    const d = r.data as { id: string; version: string; status: RuleSetInfo['status']; source: RuleSetInfo['source'] };
    parsedFiles.push({
      file: f.file,
      sha256: f.sha256,
      data: r.data,
      info: {
        id: d.id, version: d.version, status: d.status, kind, sha256: f.sha256, source: d.source, file: f.file,
        ...('overrideQuietDays' in d && typeof d.overrideQuietDays === 'number' ? { overrideQuietDays: d.overrideQuietDays } : {}),
      },
    });
  }
  const ofKind = <D>(kind: string, list: readonly ParsedRuleFile<unknown>[] = parsedFiles) =>
    list.filter((p) => p.info.kind === kind) as ParsedRuleFile<D>[];

  // Two active versions of one id would make the answer depend on file order.
  const byId = new Map<string, ParsedRuleFile<unknown>[]>();
  for (const p of parsedFiles) byId.set(p.info.id, [...(byId.get(p.info.id) ?? []), p]);
  for (const [id, group] of byId) {
    const active = group.filter((p) => p.info.status === 'active');
    if (active.length > 1) {
      for (const p of active.slice(1)) {
        faults.push({ file: p.file, path: '$.status', message: `two active versions of "${id}": ${active.map((a) => `${a.info.version} (${a.file})`).join(', ')}` });
      }
    }
    const versions = new Set<string>();
    for (const p of group) {
      if (versions.has(p.info.version)) faults.push({ file: p.file, path: '$.version', message: `"${id}" version ${p.info.version} appears twice` });
      versions.add(p.info.version);
    }
  }

  // Fact names: built in, plus those the derived-facts files declare (any status, so a draft checks too).
  const known = new Set<string>(BUILT_IN_FACT_NAMES);
  for (const p of ofKind<DerivedFactsFile>('derived-facts')) {
    p.data.facts.forEach((f, i) => {
      if (BUILT_IN_FACT_NAMES.has(f.name)) {
        faults.push({ file: p.file, path: `$.facts[${i}].name`, message: `"${f.name}" is a built-in fact; a derived fact needs its own name` });
      }
      known.add(f.name);
    });
  }
  const knownWithStatus = new Set<string>([...known, STATUS_FACT_PREFIX.slice(0, -1)]);
  faults.push(...derivedOrderFaults(ofKind<DerivedFactsFile>('derived-facts')));

  const fault = (file: string, path: string, message: string): void => {
    faults.push({ file, path, message });
  };
  const ctx: CompileContext = {
    fault,
    logic(file, path, logic, withStatus = false) {
      for (const f of checkLogic(logic, withStatus ? knownWithStatus : known, path)) fault(file, f.path, f.message);
    },
    contraindicationSets: collectContraindicationSets(ofKind<ModalitiesFile>('modalities'), fault),
    ref: (p) => ({ id: p.info.id, version: p.info.version }),
    cite: (p, c) => ({
      source: c.source,
      ...(c.basis !== undefined ? { basis: c.basis } : {}),
      ...(c.why !== undefined ? { why: c.why } : {}),
      rule: { id: p.info.id, version: p.info.version },
    }),
  };
  for (const p of parsedFiles) KIND_BY_NAME.get(p.info.kind)?.check?.(p, ctx);
  if (faults.length > 0) return null;

  const active = parsedFiles.filter((p) => p.info.status === 'active');
  const compiled: Partial<CompiledRules> = {};
  for (const k of RULE_KIND_MODULES) Object.assign(compiled, k.compile(ofKind(k.kind, active), ctx));
  // Each kind reports a fault where a required part is missing (no arco staging, no follow-up...).
  if (faults.length > 0) return null;
  return {
    sets: parsedFiles.map((p) => p.info),
    active: active.map((p) => ctx.ref(p)),
    ...(compiled as CompiledRules),
    newFacts: blankFactsMaker([...knownWithStatus]),
  };
}
