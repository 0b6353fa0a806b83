/** kind "staging": ARCO 2019 and Chinese (CJRS) staging, first row that matches (clinical-spec.md 4.1, 4.2). */
import { z } from 'zod';
import { compileLogic } from '../logic.js';
import { Citation, DataGapRule, Header, Logic, requireWhy, STAGE_CODES } from '../schemas.js';
import type { StagingRules } from '../types.js';
import { defineKind } from './types.js';

const StageCode = z.string().min(1);

export const StagingFileSchema = z.strictObject({
  ...Header,
  kind: z.literal('staging'),
  system: z.enum(['arco', 'chinese']),
  /** First row that matches wins (clinical-spec.md 4.1, 4.2). */
  stages: z.array(
    z.strictObject({
      stage: StageCode,
      when: Logic,
      ...Citation,
      subtypes: z.array(z.strictObject({ stage: StageCode, when: Logic, ...Citation }).superRefine(requireWhy)).optional(),
      subtypeMissing: z.strictObject({ code: z.string(), finding: z.string().optional(), message: z.string().min(1) }).optional(),
      dataGaps: z.array(DataGapRule).optional(),
    }).superRefine(requireWhy),
  ).min(1),
  noStage: z.strictObject({ code: z.string(), message: z.string().min(1) }),
  /** The other system's stage to use when only this one is known (a recorded stage). */
  equivalents: z.record(z.string(), z.string().nullable()).optional(),
  equivalentsBasis: z.strictObject(Citation).superRefine(requireWhy).optional(),
});

export const staging = defineKind({
  kind: 'staging',
  schema: StagingFileSchema,
  check(p, ctx) {
    const d = p.data;
    const codes = STAGE_CODES[d.system];
    const other = STAGE_CODES[d.system === 'arco' ? 'chinese' : 'arco'];
    const stageCode = (code: string, path: string): void => {
      if (!codes.includes(code)) ctx.fault(p.file, path, `bad stage code "${code}" for ${d.system} (one of ${codes.join(', ')})`);
    };
    d.stages.forEach((s, i) => {
      stageCode(s.stage, `$.stages[${i}].stage`);
      ctx.logic(p.file, `$.stages[${i}].when`, s.when);
      s.subtypes?.forEach((t, j) => {
        stageCode(t.stage, `$.stages[${i}].subtypes[${j}].stage`);
        ctx.logic(p.file, `$.stages[${i}].subtypes[${j}].when`, t.when);
      });
      s.dataGaps?.forEach((g, j) => { ctx.logic(p.file, `$.stages[${i}].dataGaps[${j}].when`, g.when); });
    });
    for (const [k, v] of Object.entries(d.equivalents ?? {})) {
      stageCode(k, `$.equivalents.${k}`);
      if (v !== null && !other.includes(v)) ctx.fault(p.file, `$.equivalents.${k}`, `bad stage code "${v}" (one of ${other.join(', ')})`);
    }
  },
  compile(active, ctx) {
    const staging: Partial<Record<'arco' | 'chinese', StagingRules>> = {};
    for (const p of active) {
      const d = p.data;
      if (staging[d.system]) {
        ctx.fault(p.file, '$.system', `a second active ${d.system} staging rule set (the first is ${staging[d.system]?.rule.id ?? ''})`);
        continue;
      }
      staging[d.system] = {
        system: d.system,
        rule: ctx.ref(p),
        noStage: d.noStage,
        equivalents: d.equivalents ?? {},
        stages: d.stages.map((s) => ({
          ...ctx.cite(p, s),
          stage: s.stage,
          when: compileLogic(s.when),
          subtypes: (s.subtypes ?? []).map((t) => ({ stage: t.stage, when: compileLogic(t.when) })),
          ...(s.subtypeMissing ? { subtypeMissing: s.subtypeMissing } : {}),
          dataGaps: (s.dataGaps ?? []).map((g) => ({ code: g.code, when: compileLogic(g.when), message: g.message, ...(g.finding ? { finding: g.finding } : {}) })),
        })),
      };
    }
    if (!staging.arco) ctx.fault('.', '$', 'no active staging rule set with system "arco"');
    if (!staging.chinese) ctx.fault('.', '$', 'no active staging rule set with system "chinese"');
    return staging.arco && staging.chinese ? { staging: { arco: staging.arco, chinese: staging.chinese } } : {};
  },
});
