/**
 * kind "derived-facts": named facts worked out from other facts (JSON Logic), in order, `findings`
 * phase first, then `stage` (engine/assess.ts). Their names join the facts every condition may read.
 */
import { z } from 'zod';
import { factsRead, compileLogic } from '../logic.js';
import { Citation, Header, Logic, requireWhy } from '../schemas.js';
import type { DerivedFactRule, RuleFault } from '../types.js';
import { defineKind, type ParsedRuleFile } from './types.js';

export const DerivedFactsFileSchema = z.strictObject({
  ...Header,
  kind: z.literal('derived-facts'),
  facts: z.array(
    z.strictObject({
      name: z.string().regex(/^[a-z][a-z0-9-]*$/),
      description: z.string().min(1),
      phase: z.enum(['findings', 'stage']).describe('findings: before staging; stage: after the stage is known'),
      value: Logic,
      ...Citation,
    }).superRefine(requireWhy),
  ).min(1),
});

export type DerivedFactsFile = z.output<typeof DerivedFactsFileSchema>;

/**
 * Derived facts are worked out in order, `findings` phase first, then `stage` (engine/assess.ts),
 * each over the facts known by then: one that reads a derived fact worked out after it would read a
 * stale or missing value. The engine relies on this order (a stage-history date reuses the
 * findings-phase facts), so the loader refuses such a reference, naming both facts.
 */
export function derivedOrderFaults(files: readonly ParsedRuleFile<DerivedFactsFile>[]): RuleFault[] {
  const all: { file: string; index: number; name: string; phase: 'findings' | 'stage'; reads: readonly string[] }[] = [];
  for (const p of files) {
    if (p.info.status !== 'active') continue;
    p.data.facts.forEach((f, index) => all.push({ file: p.file, index, name: f.name, phase: f.phase, reads: factsRead(f.value) }));
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

export const derivedFacts = defineKind({
  kind: 'derived-facts',
  schema: DerivedFactsFileSchema,
  check(p, ctx) {
    p.data.facts.forEach((f, i) => { ctx.logic(p.file, `$.facts[${i}].value`, f.value); });
  },
  compile(active, ctx) {
    const derived: DerivedFactRule[] = active.flatMap((p) =>
      p.data.facts.map((f) => ({ ...ctx.cite(p, f), name: f.name, phase: f.phase, value: compileLogic(f.value) })),
    );
    return { derivedFacts: derived };
  },
});
