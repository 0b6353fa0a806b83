/** kind "risk-factors": patient risk factors and per-hip progression factors (clinical-spec.md section 10). */
import { z } from 'zod';
import { compileLogic } from '../logic.js';
import { Citation, Header, Logic, requireWhy } from '../schemas.js';
import { defineKind } from './types.js';

export const RiskFactorsFileSchema = z.strictObject({
  ...Header,
  kind: z.literal('risk-factors'),
  /** Per patient (clinical-spec.md section 10). */
  patient: z.array(z.strictObject({ id: z.string().regex(/^[a-z][a-z0-9-]*$/), when: Logic, says: z.string().min(1), ...Citation }).superRefine(requireWhy)),
  /** progression-risk factors, per hip. */
  progression: z.array(
    z.strictObject({
      id: z.string().regex(/^[a-z][a-z0-9-]*$/),
      when: Logic,
      imaging: z.boolean().describe('an imaging factor: makes progressionRisk.high and keeps follow-up at 3 months'),
      says: z.string().min(1),
      ...Citation,
    }).superRefine(requireWhy),
  ),
});

export const riskFactors = defineKind({
  kind: 'risk-factors',
  schema: RiskFactorsFileSchema,
  check(p, ctx) {
    p.data.patient.forEach((x, i) => { ctx.logic(p.file, `$.patient[${i}].when`, x.when); });
    p.data.progression.forEach((x, i) => { ctx.logic(p.file, `$.progression[${i}].when`, x.when); });
  },
  compile(active, ctx) {
    return {
      riskFactors: active.flatMap((p) => p.data.patient.map((x) => ({ ...ctx.cite(p, x), id: x.id, when: compileLogic(x.when), says: x.says }))),
      progressionRisk: active.flatMap((p) =>
        p.data.progression.map((x) => ({ ...ctx.cite(p, x), id: x.id, when: compileLogic(x.when), says: x.says, imaging: x.imaging })),
      ),
    };
  },
});
