/**
 * A rule kind (design.md section 2): the `kind` of a rule file, its zod schema, the load-time
 * check of its conditions and codes, and the compiler that turns the active files of the kind into
 * its part of LoadedRules. Every kind is one module of this folder, listed once in index.ts.
 */
import type { z } from 'zod';
import type { CompiledRules, Cited, RuleRef, RuleSetInfo } from '../types.js';

/** One rule file after its schema accepted it. */
export interface ParsedRuleFile<D> {
  readonly file: string;
  readonly sha256: string;
  readonly data: D;
  readonly info: RuleSetInfo;
}

/** What a kind's check may use: fault reporting, the condition checker, cross-file names. */
export interface CheckContext {
  fault(file: string, path: string, message: string): void;
  /** Checks a JSON Logic condition against the known facts (`withStatus`: plus `status.<modality>`). */
  logic(file: string, path: string, logic: unknown, withStatus?: boolean): void;
  /** Named contraindication lists of the active modalities files (GL2025 Table 4 lists them once). */
  readonly contraindicationSets: ReadonlyMap<string, ContraindicationSet>;
}

export interface ContraindicationSet {
  readonly p: ParsedRuleFile<unknown>;
  readonly list: readonly { readonly when: unknown; readonly reason: string; readonly source: string; readonly basis?: string | undefined; readonly why?: string | undefined }[];
}

/** What a kind's compiler may use. */
export interface CompileContext extends CheckContext {
  ref(p: ParsedRuleFile<unknown>): RuleRef;
  cite(p: ParsedRuleFile<unknown>, c: { source: string; basis?: string | undefined; why?: string | undefined }): Cited;
}

export interface RuleKind<K extends string = string, D = unknown> {
  readonly kind: K;
  readonly schema: z.ZodType<D>;
  /** Load-time checks of one file of this kind (any status); faults through ctx.fault. */
  check?(file: ParsedRuleFile<D>, ctx: CheckContext): void;
  /** The active files of this kind → their part of LoadedRules (a fault where a required part is missing). */
  compile(active: readonly ParsedRuleFile<D>[], ctx: CompileContext): Partial<CompiledRules>;
}

/** Types a kind module (the data type comes from its schema). */
export function defineKind<K extends string, D>(kind: RuleKind<K, D>): RuleKind<K, D> {
  return kind;
}
