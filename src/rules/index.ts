/**
 * Loads the versioned JSON rule sets of a rules directory (design.md section 2): every
 * `**\/*.json` except `cases/`, `schema/` and `corpus/` folders, dispatched on `kind`, validated with zod,
 * conditions checked and compiled once. Any fault refuses the whole load with a RulesLoadError
 * naming the file and the JSON path; a service never starts on half a rule set.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { z } from 'zod';
import { MODALITY_IDS } from '../engine/types.js';
import type { ModalityId, Evidence, RecommendationStatus, Strength, FollowUpModality } from '../engine/types.js';
import { BUILT_IN_FACT_NAMES, STATUS_FACT_PREFIX, blankFactsMaker } from './facts.js';
import type { FactValue } from './facts.js';
import type { CompiledLogic } from './logic.js';
import { checkLogic, compileLogic, factsRead } from './logic.js';
import type {
  ConservativeCareFile, DerivedFactsFile, FollowUpFile, ModalitiesFile, OrderChecksFile, RiskFactorsFile,
  RuleKind, StagingFile, SurgicalEvaluationFile,
} from './schemas.js';
import { RULE_FILE_SCHEMAS, RULE_KINDS, RuleHeaderSchema, STAGE_CODES } from './schemas.js';
import type { ValueSetFile, ValueSets } from '../facts/valuesets.js';
import { ValueSetError, ValueSetFileSchema, compileValueSets } from '../facts/valuesets.js';
import * as reportLexicon from './kinds/report-lexicon.js';
import type { ReportLexiconFile, ReportLexicons } from './kinds/report-lexicon.js';

export type { CompiledLogic } from './logic.js';

/** One fault in one rule file. */
export interface RuleFault {
  /** Path relative to the rules directory, e.g. "staging/arco-2019.json". */
  readonly file: string;
  /** JSON path inside the file, e.g. "$.stages[0].when.and[1].var" ("$" for the whole file). */
  readonly path: string;
  readonly message: string;
}

export class RulesLoadError extends Error {
  override name = 'RulesLoadError';
  constructor(readonly faults: readonly RuleFault[], readonly dir: string) {
    super(
      `rules in ${dir} refused (${faults.length} fault${faults.length === 1 ? '' : 's'}):\n` +
        faults.map((f) => `  ${f.file} at ${f.path}: ${f.message}`).join('\n'),
    );
  }
}

export interface RuleRef {
  readonly id: string;
  readonly version: string;
}

/** What GET /rules and the start log show about each rule file. */
export interface RuleSetInfo extends RuleRef {
  readonly status: 'draft' | 'active' | 'retired';
  readonly kind: string;
  readonly sha256: string;
  readonly source: { readonly document: string; readonly section: string };
  readonly file: string;
}

export interface Cited {
  readonly source: string;
  readonly basis?: string;
  readonly why?: string;
  readonly rule: RuleRef;
}

export interface DerivedFactRule extends Cited {
  readonly name: string;
  readonly phase: 'findings' | 'stage';
  readonly value: CompiledLogic;
}

export interface StageRule extends Cited {
  readonly stage: string;
  readonly when: CompiledLogic;
  readonly subtypes: readonly { readonly stage: string; readonly when: CompiledLogic }[];
  readonly subtypeMissing?: { readonly code: string; readonly finding?: string; readonly message: string };
  readonly dataGaps: readonly { readonly code: string; readonly when: CompiledLogic; readonly finding?: string; readonly message: string }[];
}

export interface StagingRules {
  readonly system: 'arco' | 'chinese';
  readonly stages: readonly StageRule[];
  readonly noStage: { readonly code: string; readonly message: string };
  /** This system's code → the other system's (for a stage recorded in one system only). */
  readonly equivalents: Readonly<Record<string, string | null>>;
  readonly rule: RuleRef;
}

export interface ContraindicationRule extends Cited {
  readonly when: CompiledLogic;
  readonly reason: string;
}

export interface ModalityRule extends Cited {
  readonly modality: ModalityId;
  readonly what: string;
  readonly evidence: Evidence;
  readonly strength: Strength;
  readonly recommendsAgainst: boolean;
  readonly appliesTo: { readonly label: string; readonly when: CompiledLogic } | null;
  readonly contraindications: readonly ContraindicationRule[];
  readonly statusRules: readonly (Cited & {
    readonly when: CompiledLogic;
    readonly status: RecommendationStatus;
    readonly reason: string;
    readonly notes: readonly string[];
    readonly dataGaps: readonly { readonly code: string; readonly finding?: string; readonly message: string }[];
  })[];
  readonly reasons: readonly { readonly when: CompiledLogic | null; readonly reason: string }[];
  readonly notes: readonly string[];
  readonly combinations: { readonly whenStatus: readonly RecommendationStatus[]; readonly list: readonly string[]; readonly source: string } | null;
}

export interface IndicationRule extends Cited {
  readonly id: string;
  readonly when: CompiledLogic;
  readonly reason: string;
}

export interface FollowUpRules {
  readonly modality: readonly (Cited & { readonly modality: FollowUpModality; readonly when: CompiledLogic; readonly reason: string })[];
  readonly interval: readonly (Cited & { readonly months: 3 | 6 | 12; readonly when: CompiledLogic; readonly reason: string })[];
  readonly studyModalities: readonly string[];
  readonly dataGaps: readonly (Cited & { readonly code: string; readonly when: CompiledLogic; readonly finding?: string; readonly message: string; readonly side: 'hip' | 'other-hip' })[];
  readonly rule: RuleRef;
}

export interface RiskFactorRule extends Cited {
  readonly id: string;
  readonly when: CompiledLogic;
  readonly says: string;
}

export interface ProgressionFactorRule extends RiskFactorRule {
  readonly imaging: boolean;
}

export interface OrderCheckRule extends Cited {
  readonly check: string;
  readonly kinds: readonly string[];
  readonly resourceTypes: readonly string[] | null;
  readonly scope: 'patient' | 'any-hip' | 'every-hip';
  readonly when: CompiledLogic | null;
  readonly indicator: 'info' | 'warning' | 'critical';
  readonly indicatorWhen: readonly { readonly when: CompiledLogic; readonly indicator: 'info' | 'warning' | 'critical' }[];
  readonly reasons: readonly { readonly when: CompiledLogic | null; readonly reason: string }[];
  readonly includeRecommendation: ModalityId | null;
  readonly suggestion?: 'delete-draft' | 'replace-with-walking-aid';
  readonly overrideReasons?: readonly { readonly code: string; readonly display: string }[];
}

export interface LoadedRules {
  readonly dir: string;
  /** A blank facts object (every known fact name, null): what the engine fills per hip. */
  readonly newFacts: () => Record<string, FactValue | Readonly<Record<string, FactValue>>>;
  /** Every rule file read (any status), for GET /rules and the start log. */
  readonly sets: readonly RuleSetInfo[];
  /** The active rule sets the engine uses (Assessment.rules). */
  readonly active: readonly RuleRef[];
  readonly valueSets: ValueSets;
  readonly derivedFacts: readonly DerivedFactRule[];
  readonly staging: { readonly arco: StagingRules; readonly chinese: StagingRules };
  /** One per modality of clinical-spec.md section 5, in table order. */
  readonly modalities: readonly ModalityRule[];
  readonly surgicalEvaluation: readonly IndicationRule[];
  readonly conservativeCare: readonly IndicationRule[];
  readonly followUp: FollowUpRules;
  readonly riskFactors: readonly RiskFactorRule[];
  readonly progressionRisk: readonly ProgressionFactorRule[];
  readonly orderChecks: readonly OrderCheckRule[];
  /** The words radiology reports are read with, per language (clinical-spec.md 12). */
  readonly reportLexicons: ReportLexicons;
}

interface ReadFile {
  readonly file: string;
  readonly sha256: string;
  readonly json: unknown;
}

const SKIPPED_FOLDERS = new Set(['cases', 'schema', 'corpus']);

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

type Parsed =
  | { kind: 'valueset'; data: ValueSetFile }
  | { kind: 'derived-facts'; data: DerivedFactsFile }
  | { kind: 'staging'; data: StagingFile }
  | { kind: 'modalities'; data: ModalitiesFile }
  | { kind: 'surgical-evaluation'; data: SurgicalEvaluationFile }
  | { kind: 'conservative-care'; data: ConservativeCareFile }
  | { kind: 'follow-up'; data: FollowUpFile }
  | { kind: 'risk-factors'; data: RiskFactorsFile }
  | { kind: 'order-checks'; data: OrderChecksFile }
  | { kind: 'report-lexicon'; data: ReportLexiconFile };

interface ParsedFile {
  readonly file: string;
  readonly sha256: string;
  readonly parsed: Parsed;
  readonly info: RuleSetInfo;
}

/** Pure part of the loader (exported for tests and the CLI): files → compiled rules, faults appended. */
export function compileRuleFiles(files: readonly ReadFile[], faults: RuleFault[]): Omit<LoadedRules, 'dir'> | null {
  const parsedFiles: ParsedFile[] = [];
  for (const f of files) {
    const header = RuleHeaderSchema.safeParse(f.json);
    if (!header.success) {
      faults.push(...zodFaults(f.file, header.error));
      continue;
    }
    const kind = header.data.kind;
    let parsed: Parsed | null = null;
    if (kind === 'valueset') {
      const r = ValueSetFileSchema.safeParse(f.json);
      if (r.success) parsed = { kind, data: r.data };
      else faults.push(...zodFaults(f.file, r.error));
    } else if (kind === reportLexicon.kind) {
      const r = reportLexicon.schema.safeParse(f.json);
      if (r.success) parsed = { kind, data: r.data };
      else faults.push(...zodFaults(f.file, r.error));
    } else if ((RULE_KINDS as readonly string[]).includes(kind)) {
      const r = RULE_FILE_SCHEMAS[kind as RuleKind].safeParse(f.json);
      if (r.success) parsed = { kind, data: r.data } as Parsed;
      else faults.push(...zodFaults(f.file, r.error));
    } else {
      faults.push({ file: f.file, path: '$.kind', message: `unknown kind "${kind}" (one of valueset, ${RULE_KINDS.join(', ')}, ${reportLexicon.kind})` });
    }
    if (parsed === null) continue;
    const d = parsed.data;
    parsedFiles.push({
      file: f.file,
      sha256: f.sha256,
      parsed,
      info: { id: d.id, version: d.version, status: d.status, kind, sha256: f.sha256, source: d.source, file: f.file },
    });
  }

  // Two active versions of one id would make the answer depend on file order.
  const byId = new Map<string, ParsedFile[]>();
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
  for (const p of parsedFiles) {
    if (p.parsed.kind !== 'derived-facts') continue;
    p.parsed.data.facts.forEach((f, i) => {
      if (BUILT_IN_FACT_NAMES.has(f.name)) {
        faults.push({ file: p.file, path: `$.facts[${i}].name`, message: `"${f.name}" is a built-in fact; a derived fact needs its own name` });
      }
      known.add(f.name);
    });
  }
  const knownWithStatus = new Set<string>([...known, STATUS_FACT_PREFIX.slice(0, -1)]);
  faults.push(...derivedOrderFaults(parsedFiles));

  const ctx = new Compiler(faults, known, knownWithStatus);
  for (const p of parsedFiles) {
    if (p.parsed.kind !== 'modalities' || p.info.status !== 'active') continue;
    for (const [name, list] of Object.entries(p.parsed.data.contraindicationSets ?? {})) {
      if (ctx.contraindicationSets.has(name)) faults.push({ file: p.file, path: `$.contraindicationSets.${name}`, message: `contraindication set "${name}" is defined twice` });
      ctx.contraindicationSets.set(name, { p, list });
    }
  }
  for (const p of parsedFiles) ctx.checkFile(p);
  if (faults.length > 0) return null;

  const active = parsedFiles.filter((p) => p.info.status === 'active');
  const built = ctx.build(parsedFiles.map((p) => p.info), active);
  return built === null ? null : { ...built, newFacts: blankFactsMaker([...knownWithStatus]) };
}

/**
 * Derived facts are worked out in order, `findings` phase first, then `stage` (engine/assess.ts),
 * each over the facts known by then: one that reads a derived fact worked out after it would read a
 * stale or missing value. The engine relies on this order (a stage-history date reuses the
 * findings-phase facts), so the loader refuses such a reference, naming both facts.
 */
function derivedOrderFaults(parsedFiles: readonly ParsedFile[]): RuleFault[] {
  const all: { file: string; index: number; name: string; phase: 'findings' | 'stage'; reads: readonly string[] }[] = [];
  for (const p of parsedFiles) {
    if (p.parsed.kind !== 'derived-facts' || p.info.status !== 'active') continue;
    p.parsed.data.facts.forEach((f, index) => all.push({ file: p.file, index, name: f.name, phase: f.phase, reads: factsRead(f.value) }));
  }
  const position = (phase: 'findings' | 'stage', order: number) => (phase === 'findings' ? 0 : all.length) + order;
  const at = new Map(all.map((f, order) => [f.name, { phase: f.phase, at: position(f.phase, order) }]));
  const faults: RuleFault[] = [];
  all.forEach((f, order) => {
    for (const name of f.reads) {
      const used = at.get(name);
      if (used === undefined || used.at < position(f.phase, order)) continue;
      const why = name === f.name ? 'itself' : used.phase !== f.phase ? `"${name}", a ${used.phase}-phase fact worked out after the ${f.phase} phase` : `"${name}", which is listed after it`;
      faults.push({ file: f.file, path: `$.facts[${f.index}].value`, message: `derived fact "${f.name}" reads ${why}; derived facts are worked out in order (findings phase, then stage)` });
    }
  });
  return faults;
}

/** Checks every condition of a parsed file, then builds the compiled rules from the active files. */
type ContraindicationEntry = NonNullable<ModalitiesFile['contraindicationSets']>[string][number];

class Compiler {
  /** Named contraindication lists, shared by every modalities file (GL2025 Table 4 lists them once). */
  readonly contraindicationSets = new Map<string, { p: ParsedFile; list: readonly ContraindicationEntry[] }>();

  constructor(
    private readonly faults: RuleFault[],
    private readonly known: ReadonlySet<string>,
    private readonly knownWithStatus: ReadonlySet<string>,
  ) {}

  private fault(file: string, path: string, message: string): void {
    this.faults.push({ file, path, message });
  }

  private logic(file: string, path: string, logic: unknown, known: ReadonlySet<string> = this.known): void {
    for (const f of checkLogic(logic, known, path)) this.fault(file, f.path, f.message);
  }

  checkFile(p: ParsedFile): void {
    const { file } = p;
    const { parsed } = p;
    switch (parsed.kind) {
      case 'valueset':
        return;
      case 'report-lexicon':
        for (const f of reportLexicon.check(parsed.data)) this.fault(file, f.path, f.message);
        return;
      case 'derived-facts':
        parsed.data.facts.forEach((f, i) => { this.logic(file, `$.facts[${i}].value`, f.value); });
        return;
      case 'staging': {
        const d = parsed.data;
        const codes = STAGE_CODES[d.system];
        const other = STAGE_CODES[d.system === 'arco' ? 'chinese' : 'arco'];
        const stageCode = (code: string, path: string): void => {
          if (!codes.includes(code)) this.fault(file, path, `bad stage code "${code}" for ${d.system} (one of ${codes.join(', ')})`);
        };
        d.stages.forEach((s, i) => {
          stageCode(s.stage, `$.stages[${i}].stage`);
          this.logic(file, `$.stages[${i}].when`, s.when);
          s.subtypes?.forEach((t, j) => {
            stageCode(t.stage, `$.stages[${i}].subtypes[${j}].stage`);
            this.logic(file, `$.stages[${i}].subtypes[${j}].when`, t.when);
          });
          s.dataGaps?.forEach((g, j) => { this.logic(file, `$.stages[${i}].dataGaps[${j}].when`, g.when); });
        });
        for (const [k, v] of Object.entries(d.equivalents ?? {})) {
          stageCode(k, `$.equivalents.${k}`);
          if (v !== null && !other.includes(v)) this.fault(file, `$.equivalents.${k}`, `bad stage code "${v}" (one of ${other.join(', ')})`);
        }
        return;
      }
      case 'modalities': {
        const d = parsed.data;
        for (const [name, list] of Object.entries(d.contraindicationSets ?? {})) {
          list.forEach((c, i) => { this.logic(file, `$.contraindicationSets.${name}[${i}].when`, c.when); });
        }
        d.modalities.forEach((m, i) => {
          const at = `$.modalities[${i}]`;
          if (!(MODALITY_IDS as readonly string[]).includes(m.modality)) {
            this.fault(file, `${at}.modality`, `unknown modality id "${m.modality}" (clinical-spec.md section 5)`);
          }
          if (m.appliesTo) this.logic(file, `${at}.appliesTo.when`, m.appliesTo.when);
          m.contraindications?.forEach((c, j) => {
            if (typeof c !== 'string') this.logic(file, `${at}.contraindications[${j}].when`, c.when);
            else if (!this.contraindicationSets.has(c)) this.fault(file, `${at}.contraindications[${j}]`, `no contraindicationSets entry "${c}" in any modalities file`);
          });
          m.statusRules?.forEach((s, j) => { this.logic(file, `${at}.statusRules[${j}].when`, s.when); });
          m.reasons?.forEach((r, j) => { if (r.when !== undefined) this.logic(file, `${at}.reasons[${j}].when`, r.when); });
        });
        return;
      }
      case 'surgical-evaluation':
      case 'conservative-care':
        parsed.data.indications.forEach((x, i) => { this.logic(file, `$.indications[${i}].when`, x.when); });
        return;
      case 'follow-up': {
        const d = parsed.data;
        // clinical-spec.md 8 "first that applies": the last row must always apply, so every hip gets a study and an interval.
        for (const list of ['modality', 'interval'] as const) {
          const last = d[list].length - 1;
          if (d[list][last]?.when !== true) this.fault(file, `$.${list}[${last}].when`, `the last ${list} rule must be "when": true (the default)`);
        }
        d.modality.forEach((x, i) => { this.logic(file, `$.modality[${i}].when`, x.when); });
        d.interval.forEach((x, i) => { this.logic(file, `$.interval[${i}].when`, x.when); });
        d.dataGaps?.forEach((x, i) => { this.logic(file, `$.dataGaps[${i}].when`, x.when); });
        return;
      }
      case 'risk-factors':
        parsed.data.patient.forEach((x, i) => { this.logic(file, `$.patient[${i}].when`, x.when); });
        parsed.data.progression.forEach((x, i) => { this.logic(file, `$.progression[${i}].when`, x.when); });
        return;
      case 'order-checks':
        parsed.data.checks.forEach((c, i) => {
          const at = `$.checks[${i}]`;
          if (c.when !== undefined) this.logic(file, `${at}.when`, c.when, this.knownWithStatus);
          c.indicatorWhen?.forEach((x, j) => { this.logic(file, `${at}.indicatorWhen[${j}].when`, x.when, this.knownWithStatus); });
          c.reasons.forEach((x, j) => { if (x.when !== undefined) this.logic(file, `${at}.reasons[${j}].when`, x.when, this.knownWithStatus); });
        });
        return;
    }
  }

  build(sets: readonly RuleSetInfo[], active: readonly ParsedFile[]): Omit<LoadedRules, 'dir' | 'newFacts'> | null {
    const ref = (p: ParsedFile): RuleRef => ({ id: p.info.id, version: p.info.version });
    const cite = (p: ParsedFile, c: { source: string; basis?: string | undefined; why?: string | undefined }): Cited => ({
      source: c.source,
      ...(c.basis !== undefined ? { basis: c.basis } : {}),
      ...(c.why !== undefined ? { why: c.why } : {}),
      rule: ref(p),
    });
    const of = <K extends Parsed['kind']>(kind: K) =>
      active.filter((p): p is ParsedFile & { parsed: Extract<Parsed, { kind: K }> } => p.parsed.kind === kind);

    let valueSets: ValueSets | null = null;
    try {
      valueSets = compileValueSets(of('valueset').map((p) => p.parsed.data));
    } catch (e) {
      if (!(e instanceof ValueSetError)) throw e;
      this.fault('valuesets', '$.valueSets', e.message);
    }

    const derivedFacts: DerivedFactRule[] = of('derived-facts').flatMap((p) =>
      p.parsed.data.facts.map((f) => ({ ...cite(p, f), name: f.name, phase: f.phase, value: compileLogic(f.value) })),
    );

    const staging: Partial<Record<'arco' | 'chinese', StagingRules>> = {};
    for (const p of of('staging')) {
      const d = p.parsed.data;
      if (staging[d.system]) {
        this.fault(p.file, '$.system', `a second active ${d.system} staging rule set (the first is ${staging[d.system]?.rule.id ?? ''})`);
        continue;
      }
      staging[d.system] = {
        system: d.system,
        rule: ref(p),
        noStage: d.noStage,
        equivalents: d.equivalents ?? {},
        stages: d.stages.map((s) => ({
          ...cite(p, s),
          stage: s.stage,
          when: compileLogic(s.when),
          subtypes: (s.subtypes ?? []).map((t) => ({ stage: t.stage, when: compileLogic(t.when) })),
          ...(s.subtypeMissing ? { subtypeMissing: s.subtypeMissing } : {}),
          dataGaps: (s.dataGaps ?? []).map((g) => ({ code: g.code, when: compileLogic(g.when), message: g.message, ...(g.finding ? { finding: g.finding } : {}) })),
        })),
      };
    }

    const modalityById = new Map<string, ModalityRule>();
    for (const p of of('modalities')) {
      const d = p.parsed.data;
      d.modalities.forEach((m, i) => {
        if (modalityById.has(m.modality)) {
          this.fault(p.file, `$.modalities[${i}].modality`, `modality "${m.modality}" is defined twice among the active rule sets`);
          return;
        }
        const contra = (m.contraindications ?? []).flatMap((c) => {
          if (typeof c !== 'string') return [{ p, c }];
          const set = this.contraindicationSets.get(c);
          return set ? set.list.map((x) => ({ p: set.p, c: x })) : [];
        });
        modalityById.set(m.modality, {
          ...cite(p, m),
          modality: m.modality as ModalityId,
          what: m.what,
          evidence: m.evidence,
          strength: m.strength,
          recommendsAgainst: m.recommendsAgainst ?? false,
          appliesTo: m.appliesTo ? { label: m.appliesTo.label, when: compileLogic(m.appliesTo.when) } : null,
          contraindications: contra.map((x) => ({ ...cite(x.p, x.c), when: compileLogic(x.c.when), reason: x.c.reason })),
          statusRules: (m.statusRules ?? []).map((s) => ({
            ...cite(p, s),
            when: compileLogic(s.when),
            status: s.status,
            reason: s.reason,
            notes: s.notes ?? [],
            dataGaps: s.dataGaps ?? [],
          })),
          reasons: (m.reasons ?? []).map((r) => ({ when: r.when === undefined ? null : compileLogic(r.when), reason: r.reason })),
          notes: m.notes ?? [],
          combinations: m.combinations ?? null,
        });
      });
    }
    const missingModalities = MODALITY_IDS.filter((m) => !modalityById.has(m));
    if (missingModalities.length > 0) {
      this.fault('.', '$', `no active rule for modalities ${missingModalities.join(', ')} (every modality of clinical-spec.md section 5 has one)`);
    }
    if (!staging.arco) this.fault('.', '$', 'no active staging rule set with system "arco"');
    if (!staging.chinese) this.fault('.', '$', 'no active staging rule set with system "chinese"');

    const followUps = of('follow-up');
    if (followUps.length !== 1) this.fault('.', '$', `exactly one active follow-up rule set is needed, found ${followUps.length}`);
    const fu = followUps[0];

    const indications = (kind: 'surgical-evaluation' | 'conservative-care'): IndicationRule[] =>
      of(kind).flatMap((p) => p.parsed.data.indications.map((x) => ({ ...cite(p, x), id: x.id, when: compileLogic(x.when), reason: x.reason })));

    const reportLexicons = reportLexicon.compile(
      of('report-lexicon').map((p) => ({ data: p.parsed.data, rule: ref(p), file: p.file })),
      (file, path, message) => { this.fault(file, path, message); },
    );

    if (this.faults.length > 0 || !staging.arco || !staging.chinese || !fu || !valueSets || !reportLexicons) return null;
    const fuData = fu.parsed.data;
    return {
      sets,
      active: active.map(ref),
      valueSets,
      derivedFacts,
      staging: { arco: staging.arco, chinese: staging.chinese },
      modalities: MODALITY_IDS.map((m) => modalityById.get(m) as ModalityRule),
      surgicalEvaluation: indications('surgical-evaluation'),
      conservativeCare: indications('conservative-care'),
      followUp: {
        rule: ref(fu),
        studyModalities: fuData.studyModalities,
        modality: fuData.modality.map((x) => ({ ...cite(fu, x), modality: x.modality, when: compileLogic(x.when), reason: x.reason })),
        interval: fuData.interval.map((x) => ({ ...cite(fu, x), months: x.months, when: compileLogic(x.when), reason: x.reason })),
        dataGaps: (fuData.dataGaps ?? []).map((x) => ({ ...cite(fu, x), side: x.side ?? 'hip', code: x.code, when: compileLogic(x.when), message: x.message, ...(x.finding ? { finding: x.finding } : {}) })),
      },
      reportLexicons,
      riskFactors: of('risk-factors').flatMap((p) => p.parsed.data.patient.map((x) => ({ ...cite(p, x), id: x.id, when: compileLogic(x.when), says: x.says }))),
      progressionRisk: of('risk-factors').flatMap((p) =>
        p.parsed.data.progression.map((x) => ({ ...cite(p, x), id: x.id, when: compileLogic(x.when), says: x.says, imaging: x.imaging })),
      ),
      orderChecks: of('order-checks').flatMap((p) =>
        p.parsed.data.checks.map((c) => ({
          ...cite(p, c),
          check: c.check,
          kinds: c.kinds,
          resourceTypes: c.resourceTypes ?? null,
          scope: c.scope,
          when: c.when === undefined ? null : compileLogic(c.when),
          indicator: c.indicator,
          indicatorWhen: (c.indicatorWhen ?? []).map((x) => ({ when: compileLogic(x.when), indicator: x.indicator })),
          reasons: c.reasons.map((r) => ({ when: r.when === undefined ? null : compileLogic(r.when), reason: r.reason })),
          includeRecommendation: c.includeRecommendation ?? null,
          ...(c.suggestion ? { suggestion: c.suggestion } : {}),
          ...(c.overrideReasons ? { overrideReasons: c.overrideReasons } : {}),
        })),
      ),
    };
  }
}
