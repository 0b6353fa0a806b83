/** kind "follow-up": imaging follow-up per hip, first rule that applies (clinical-spec.md section 8). */
import { z } from 'zod';
import { FOLLOW_UP_MODALITIES, STUDY_MODALITIES } from '../../vocabulary/index.js';
import { compileLogic } from '../logic.js';
import { Citation, DataGapRule, Header, Logic, requireWhy } from '../schemas.js';
import { defineKind } from './types.js';

export const FollowUpFileSchema = z.strictObject({
  ...Header,
  kind: z.literal('follow-up'),
  /** First that applies (clinical-spec.md section 8). */
  modality: z.array(z.strictObject({ modality: z.enum(FOLLOW_UP_MODALITIES), when: Logic, reason: z.string().min(1), ...Citation }).superRefine(requireWhy)).min(1),
  interval: z.array(z.strictObject({ months: z.union([z.literal(3), z.literal(6), z.literal(12)]), when: Logic, reason: z.string().min(1), ...Citation }).superRefine(requireWhy)).min(1),
  /** Imaging modalities whose newest study sets the due date. */
  studyModalities: z.array(z.enum(STUDY_MODALITIES)).min(1),
  dataGaps: z.array(
    DataGapRule.extend({ ...Citation, side: z.enum(['hip', 'other-hip']).optional().describe('which hip the gap names (default: this hip)') })
      .superRefine(requireWhy),
  ).optional(),
});

export const followUp = defineKind({
  kind: 'follow-up',
  schema: FollowUpFileSchema,
  check(p, ctx) {
    const d = p.data;
    // clinical-spec.md 8 "first that applies": the last row must always apply, so every hip gets a study and an interval.
    for (const list of ['modality', 'interval'] as const) {
      const last = d[list].length - 1;
      if (d[list][last]?.when !== true) ctx.fault(p.file, `$.${list}[${last}].when`, `the last ${list} rule must be "when": true (the default)`);
    }
    d.modality.forEach((x, i) => { ctx.logic(p.file, `$.modality[${i}].when`, x.when); });
    d.interval.forEach((x, i) => { ctx.logic(p.file, `$.interval[${i}].when`, x.when); });
    d.dataGaps?.forEach((x, i) => { ctx.logic(p.file, `$.dataGaps[${i}].when`, x.when); });
  },
  compile(active, ctx) {
    if (active.length !== 1) ctx.fault('.', '$', `exactly one active follow-up rule set is needed, found ${active.length}`);
    const fu = active[0];
    if (!fu) return {};
    const fuData = fu.data;
    return {
      followUp: {
        rule: ctx.ref(fu),
        studyModalities: fuData.studyModalities,
        modality: fuData.modality.map((x) => ({ ...ctx.cite(fu, x), modality: x.modality, when: compileLogic(x.when), reason: x.reason })),
        interval: fuData.interval.map((x) => ({ ...ctx.cite(fu, x), months: x.months, when: compileLogic(x.when), reason: x.reason })),
        dataGaps: (fuData.dataGaps ?? []).map((x) => ({ ...ctx.cite(fu, x), side: x.side ?? 'hip', code: x.code, when: compileLogic(x.when), message: x.message, ...(x.finding ? { finding: x.finding } : {}) })),
      },
    };
  },
});
