/** kind "order-checks": what a draft order meets in the chart (clinical-spec.md section 11). */
import { z } from 'zod';
import { DRAFT_ORDER_KINDS, INDICATORS, MODALITY_IDS, ORDER_SUGGESTIONS } from '../../vocabulary/index.js';
import { compileLogic } from '../logic.js';
import { Citation, Header, Logic, requireWhy } from '../schemas.js';
import { defineKind } from './types.js';

const Indicator = z.enum(INDICATORS);

export const OrderChecksFileSchema = z.strictObject({
  ...Header,
  kind: z.literal('order-checks'),
  checks: z.array(
    z.strictObject({
      check: z.string().regex(/^[a-z][a-z0-9-]*$/),
      kinds: z.array(z.enum(DRAFT_ORDER_KINDS)).min(1),
      resourceTypes: z.array(z.string()).optional(),
      scope: z.enum(['patient', 'any-hip', 'every-hip'])
        .describe('patient: once; any-hip: fires for each concerned hip that matches; every-hip: only when all concerned hips match'),
      when: Logic.optional(),
      indicator: Indicator,
      indicatorWhen: z.array(z.strictObject({ when: Logic, indicator: Indicator })).optional(),
      reasons: z.array(z.strictObject({ when: Logic.optional(), reason: z.string().min(1) })).min(1),
      includeRecommendation: z.enum(MODALITY_IDS).optional().describe("append this modality's reasons and notes for the hip"),
      suggestion: z.enum(ORDER_SUGGESTIONS).optional(),
      overrideReasons: z.array(z.strictObject({ code: z.string().min(1), display: z.string().min(1) })).optional(),
      ...Citation,
    }).superRefine(requireWhy),
  ).min(1),
});

export const orderChecks = defineKind({
  kind: 'order-checks',
  schema: OrderChecksFileSchema,
  check(p, ctx) {
    p.data.checks.forEach((c, i) => {
      const at = `$.checks[${i}]`;
      if (c.when !== undefined) ctx.logic(p.file, `${at}.when`, c.when, true);
      c.indicatorWhen?.forEach((x, j) => { ctx.logic(p.file, `${at}.indicatorWhen[${j}].when`, x.when, true); });
      c.reasons.forEach((x, j) => { if (x.when !== undefined) ctx.logic(p.file, `${at}.reasons[${j}].when`, x.when, true); });
    });
  },
  compile(active, ctx) {
    return {
      orderChecks: active.flatMap((p) =>
        p.data.checks.map((c) => ({
          ...ctx.cite(p, c),
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
  },
});
