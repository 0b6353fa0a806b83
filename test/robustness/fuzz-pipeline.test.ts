/**
 * Fuzzing the pure pipeline (issue 7, item 2): extractFacts → assess → checkOrders → cards, on
 * FHIR resources mutated the ways real charts are broken (support/mutations.ts). None of it may
 * throw, the Assessment holds no NaN or Infinity (a number that silently became nonsense, e.g.
 * 1e308 cm converted to mm), and every card passes checkCardRules. The readers catch what a
 * resource throws so one broken resource cannot stop the rest, but a resource skipped that way
 * could be a contraindication the cards then leave out: none may be skipped ("could not be read").
 * Fixed seed; replay a failure with FUZZ_SEED=<seed>; FUZZ_SCALE multiplies the case count.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { FALLBACK_TEMPLATES, buildPrefetch, draftOrders, generateOnfhPatient } from '../../bench/generate.js';
import { orderCards, patientViewCards, type CardContext } from '../../src/cards/index.js';
import { checkCardRules } from '../../src/cds-hooks/card.js';
import { BUNDLED_RULES_DIR } from '../../src/config.js';
import { checkOrders, evaluate } from '../../src/engine/index.js';
import { classifyDraftOrders, extractFacts } from '../../src/facts/index.js';
import { loadRules, type LoadedRules } from '../../src/rules/index.js';
import { mutable, mutatedDoc, type Json } from './support/mutations.js';
import { fuzzTimeout } from './support/time-budget.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 20261121);
const SCALE = Number(process.env['FUZZ_SCALE'] ?? 1);
const NOW = '2026-11-21';

/** Paths of every number that is NaN or ±Infinity. */
function nonFinite(value: unknown, path = '$', out: string[] = []): string[] {
  if (typeof value === 'number' && !Number.isFinite(value)) out.push(path);
  else if (Array.isArray(value)) value.forEach((v, i) => nonFinite(v, `${path}[${String(i)}]`, out));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) nonFinite(v, `${path}.${k}`, out);
  return out;
}

describe('the pure pipeline under fuzzing', () => {
  let rules: LoadedRules;
  const chart = generateOnfhPatient({ resourceCount: 60 });
  // The resources as the HTTP layer hands them over (every prefetch Bundle flattened), plus the draft orders.
  const resources = Object.values(buildPrefetch(chart.resources, FALLBACK_TEMPLATES, chart.patientId)).flatMap((v) =>
    v.resourceType === 'Bundle' ? (v.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : [])) : [v],
  );
  const drafts = (draftOrders(chart.patientId).entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
  const whole = mutable({ resources, drafts } as unknown as Json);
  // The two lists stay lists (the HTTP layer guarantees that much); everything in them is fair game.
  const base = { ...whole, paths: whole.paths.filter((p) => p.length >= 2) };

  beforeAll(async () => {
    rules = await loadRules(BUNDLED_RULES_DIR);
  });

  it('extractFacts, assess, checkOrders and the cards never throw on mutated resources', () => {
    const ctx = (): CardContext => ({
      patientId: chart.patientId,
      ruleSets: rules.active,
      guideline: { label: 'Non-surgical ONFH guideline 2025' },
      imagingOrders: rules.valueSets.imagingOrders,
    });
    const run = (doc: Json) => {
      const input = (doc ?? {}) as { resources?: unknown; drafts?: unknown };
      const list = (Array.isArray(input.resources) ? input.resources : []) as fhir4.FhirResource[];
      const orders = (Array.isArray(input.drafts) ? input.drafts : []) as fhir4.FhirResource[];
      const facts = extractFacts({ patientId: chart.patientId, resources: list }, rules.valueSets, NOW);
      const evaluation = evaluate(facts, rules, NOW);
      const { assessment } = evaluation;
      const classified = classifyDraftOrders(orders, rules.valueSets, list);
      const checks = checkOrders(evaluation, classified.orders, rules);
      const cards = [...patientViewCards(assessment, ctx()), ...orderCards(checks, assessment, ctx())];
      const skipped = [...facts.notes, ...classified.notes].filter((n) => n.includes('could not be read'));
      return { assessment, cards, skipped };
    };

    // The unmutated chart is in scope and gets cards: the mutations start from a meaningful case.
    const clean = run(base.doc);
    expect(clean.assessment.inScope).toBe(true);
    expect(clean.skipped).toEqual([]);

    const result = fc.check(
      fc.property(mutatedDoc(base, 5), ({ doc }) => {
        const { assessment, cards, skipped } = run(doc);
        if (skipped.length > 0) throw new Error(`a reader threw on a resource, which was skipped: ${skipped.join('; ')}`);
        const bad = nonFinite(assessment);
        if (bad.length > 0) throw new Error(`non-finite numbers in the Assessment at ${bad.join(', ')}`);
        JSON.stringify(assessment);
        const faults = cards.flatMap((c, i) => checkCardRules(c).map((f) => `cards[${String(i)}]: ${f}`));
        if (faults.length > 0) throw new Error(faults.join('\n'));
      }),
      { seed: SEED, numRuns: Math.max(1, Math.round(3000 * SCALE)) },
    );
    if (result.failed) {
      const described = (result.counterexample?.[0] as { described?: readonly string[] } | undefined)?.described ?? [];
      const error = result.errorInstance instanceof Error ? (result.errorInstance.stack ?? result.errorInstance.message) : String(result.errorInstance);
      throw new Error(
        `pipeline failed after ${String(result.numRuns)} case(s); replay with FUZZ_SEED=${String(SEED)} (path "${result.counterexamplePath ?? ''}")\n` +
          `mutations:${described.map((d) => `\n  - ${d}`).join('')}\n${error.split('\n').slice(0, 8).join('\n')}`,
      );
    }
    expect(result.numRuns).toBe(Math.max(1, Math.round(3000 * SCALE)));
  }, fuzzTimeout('pipeline'));
});
