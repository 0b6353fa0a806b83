/**
 * kind "modalities": the non-surgical modalities of clinical-spec.md section 5 (GL2025 Tables 6-11),
 * each with grade, stages it applies to, contraindications and status rules.
 */
import { z } from 'zod';
import { MODALITY_IDS, RECOMMENDATION_STATUSES, EVIDENCE_LEVELS, type ModalityId } from '../../vocabulary/index.js';
import { compileLogic } from '../logic.js';
import { Citation, Header, Logic, requireWhy } from '../schemas.js';
import type { ModalityRule } from '../types.js';
import { defineKind, type ContraindicationSet, type ParsedRuleFile } from './types.js';

const Status = z.enum(RECOMMENDATION_STATUSES);
const Contraindication = z.strictObject({ when: Logic, reason: z.string().min(1), ...Citation }).superRefine(requireWhy);

export const ModalitiesFileSchema = z.strictObject({
  ...Header,
  kind: z.literal('modalities'),
  contraindicationSets: z.record(z.string(), z.array(Contraindication)).optional(),
  modalities: z.array(
    z.strictObject({
      modality: z.string(),
      what: z.string().min(1),
      evidence: z.enum(EVIDENCE_LEVELS),
      strength: z.union([z.literal(1), z.literal(2), z.literal(3)]),
      ...Citation,
      recommendsAgainst: z.boolean().optional().describe('the source recommends against: not-recommended'),
      appliesTo: z.strictObject({
        label: z.string().min(1),
        when: Logic,
        basis: Citation.basis,
        why: Citation.why,
      }).superRefine(requireWhy).optional()
        .describe('outside these stages: not-applicable; absent: all stages'),
      contraindications: z.array(z.union([z.string(), Contraindication])).optional()
        .describe('each inline, or the name of a contraindicationSets entry'),
      statusRules: z.array(
        z.strictObject({
          when: Logic,
          status: Status,
          reason: z.string().min(1),
          notes: z.array(z.string()).optional(),
          dataGaps: z.array(z.strictObject({ code: z.string(), finding: z.string().optional(), message: z.string().min(1) })).optional(),
          ...Citation,
        }).superRefine(requireWhy),
      ).optional().describe('first that matches sets the status; none: the status follows the strength'),
      reasons: z.array(z.strictObject({ when: Logic.optional(), reason: z.string().min(1) })).optional(),
      notes: z.array(z.string()).optional().describe('always shown with the modality'),
      combinations: z.strictObject({
        whenStatus: z.array(Status),
        list: z.array(z.string().min(1)).min(1),
        source: z.string().min(1),
      }).optional(),
    }).superRefine(requireWhy),
  ).min(1),
});

export type ModalitiesFile = z.output<typeof ModalitiesFileSchema>;

/** The named contraindication lists of the active modalities files; a name defined twice is a fault. */
export function collectContraindicationSets(
  files: readonly ParsedRuleFile<ModalitiesFile>[],
  fault: (file: string, path: string, message: string) => void,
): Map<string, ContraindicationSet> {
  const sets = new Map<string, ContraindicationSet>();
  for (const p of files) {
    if (p.info.status !== 'active') continue;
    for (const [name, list] of Object.entries(p.data.contraindicationSets ?? {})) {
      if (sets.has(name)) fault(p.file, `$.contraindicationSets.${name}`, `contraindication set "${name}" is defined twice`);
      sets.set(name, { p, list });
    }
  }
  return sets;
}

export const modalities = defineKind({
  kind: 'modalities',
  schema: ModalitiesFileSchema,
  check(p, ctx) {
    const d = p.data;
    for (const [name, list] of Object.entries(d.contraindicationSets ?? {})) {
      list.forEach((c, i) => { ctx.logic(p.file, `$.contraindicationSets.${name}[${i}].when`, c.when); });
    }
    d.modalities.forEach((m, i) => {
      const at = `$.modalities[${i}]`;
      if (!(MODALITY_IDS as readonly string[]).includes(m.modality)) {
        ctx.fault(p.file, `${at}.modality`, `unknown modality id "${m.modality}" (clinical-spec.md section 5)`);
      }
      if (m.appliesTo) ctx.logic(p.file, `${at}.appliesTo.when`, m.appliesTo.when);
      m.contraindications?.forEach((c, j) => {
        if (typeof c !== 'string') ctx.logic(p.file, `${at}.contraindications[${j}].when`, c.when);
        else if (!ctx.contraindicationSets.has(c)) ctx.fault(p.file, `${at}.contraindications[${j}]`, `no contraindicationSets entry "${c}" in any modalities file`);
      });
      m.statusRules?.forEach((s, j) => { ctx.logic(p.file, `${at}.statusRules[${j}].when`, s.when); });
      m.reasons?.forEach((r, j) => { if (r.when !== undefined) ctx.logic(p.file, `${at}.reasons[${j}].when`, r.when); });
    });
  },
  compile(active, ctx) {
    const modalityById = new Map<string, ModalityRule>();
    for (const p of active) {
      const d = p.data;
      d.modalities.forEach((m, i) => {
        if (modalityById.has(m.modality)) {
          ctx.fault(p.file, `$.modalities[${i}].modality`, `modality "${m.modality}" is defined twice among the active rule sets`);
          return;
        }
        const contra = (m.contraindications ?? []).flatMap((c) => {
          if (typeof c !== 'string') return [{ p, c }];
          const set = ctx.contraindicationSets.get(c);
          return set ? set.list.map((x) => ({ p: set.p, c: x })) : [];
        });
        modalityById.set(m.modality, {
          ...ctx.cite(p, m),
          modality: m.modality as ModalityId,
          what: m.what,
          evidence: m.evidence,
          strength: m.strength,
          recommendsAgainst: m.recommendsAgainst ?? false,
          appliesTo: m.appliesTo ? { label: m.appliesTo.label, when: compileLogic(m.appliesTo.when) } : null,
          contraindications: contra.map((x) => ({ ...ctx.cite(x.p, x.c), when: compileLogic(x.c.when), reason: x.c.reason })),
          statusRules: (m.statusRules ?? []).map((s) => ({
            ...ctx.cite(p, s),
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
      ctx.fault('.', '$', `no active rule for modalities ${missingModalities.join(', ')} (every modality of clinical-spec.md section 5 has one)`);
    }
    return { modalities: MODALITY_IDS.map((m) => modalityById.get(m) as ModalityRule) };
  },
});
