/**
 * The Assessment of design.md section 1 as one zod schema: the OpenAPI document shows it and
 * POST /assessment serializes responses from it, so a field the engine emits but this schema
 * lacks would silently vanish from the answer. Two guards keep the schema and the engine's
 * `Assessment` type (types.ts) together: the compile-time check at the end of this file (same
 * fields at every depth; the engine's values fit the schema), and test/pipeline/assessment-contract.test.ts
 * (every rule case's Assessment comes back from POST /assessment unchanged).
 */
import { z } from 'zod';
import {
  ARCO_STAGES, CHINESE_STAGES, ETIOLOGIES, EVIDENCE_LEVELS, FOLLOW_UP_MODALITIES, MODALITY_IDS, RECOMMENDATION_STATUSES,
  CERTAINTIES, REPORT_FINDINGS, SIDES, STUDY_KINDS, SIZE_CATEGORIES, STAGE_SOURCES,
} from '../vocabulary/index.js';
import type { Assessment } from './types.js';

const Side = z.enum(SIDES);
const Arco = z.enum(ARCO_STAGES).nullable();
const Chinese = z.enum(CHINESE_STAGES).nullable();
const Strings = z.array(z.string());

/** The Assessment of design.md section 1, as the OpenAPI document shows it and responses are serialized. */
export const AssessmentSchema = z
  .object({
    patientId: z.string(),
    evaluatedAt: z.string().describe('The date evaluated at (YYYY-MM-DD)'),
    inScope: z.boolean(),
    outOfScopeReason: z.enum(['under-18']).optional().describe('Why a patient with ONFH on record is out of scope (clinical-spec.md 14)'),
    rules: z.array(z.object({ id: z.string(), version: z.string() })),
    replacedHips: z.array(z.enum(['left', 'right'])).describe('Hips with a replacement (no femoral head), left out of hips (clinical-spec.md 14)'),
    pregnant: z.boolean().describe('Pregnant: the advice is adapted (clinical-spec.md 14)'),
    hips: z.array(
      z.object({
        side: Side,
        conditions: Strings,
        etiology: z.enum(ETIOLOGIES),
        findings: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])),
        sizeCategory: z.enum(SIZE_CATEGORIES).nullable(),
        stage: z.object({
          arco: Arco,
          chinese: Chinese,
          source: z.enum(STAGE_SOURCES).nullable(),
          recorded: z.object({ arco: Arco, chinese: Chinese, text: z.string().optional() }).nullable(),
          history: z.array(z.object({ date: z.string(), arco: Arco, chinese: Chinese, modality: z.string().optional() })).optional(),
        }),
        recommendations: z.array(
          z.object({
            modality: z.enum(MODALITY_IDS),
            status: z.enum(RECOMMENDATION_STATUSES),
            evidence: z.enum(EVIDENCE_LEVELS),
            strength: z.union([z.literal(1), z.literal(2), z.literal(3)]),
            reasons: Strings,
            source: z.string(),
            combinations: Strings.optional(),
            notes: Strings.optional(),
          }),
        ),
        followUp: z.object({
          modality: z.enum(FOLLOW_UP_MODALITIES),
          intervalMonths: z.number().int(),
          lastStudy: z.string().nullable(),
          due: z.string(),
          overdue: z.boolean(),
          reasons: Strings.optional(),
          scheduled: z.string().optional().describe('Hip imaging already booked (YYYY-MM-DD): not overdue (clinical-spec.md 14)'),
          scheduledRef: z.string().optional(),
        }),
        surgicalEvaluation: z.object({ indicated: z.boolean(), reasons: Strings }),
        progressionRisk: z.object({ high: z.boolean(), factors: Strings }),
      }),
    ),
    conservativeCare: z.object({ indicated: z.boolean(), reasons: Strings }),
    riskFactors: z.array(z.object({ id: z.string(), evidence: z.string(), basis: z.string().optional() })),
    dataGaps: z.array(
      z.object({
        code: z.string(),
        side: Side.optional(),
        message: z.string(),
        finding: z.string().optional(),
        resource: z.string().optional(),
      }),
    ),
    reportFindings: z.array(z.object({
      report: z.string().describe('"DiagnosticReport/<id>" or "DocumentReference/<id>"'),
      date: z.string().nullable(),
      studyKind: z.enum(STUDY_KINDS).nullable(),
      side: Side.describe('bilateral mentions are one entry per side'),
      finding: z.enum(REPORT_FINDINGS),
      certainty: z.enum(CERTAINTIES),
      value: z.union([z.number(), z.string()]).optional().describe('mm, percent or small/medium/large, or an ARCO stage'),
      text: z.string().describe('the sentence'),
    })).describe('Every statement read from radiology report text (design.md 5)'),
    suspectedOnfh: z.array(z.object({
      side: z.enum(['left', 'right']),
      report: z.string(),
      date: z.string(),
      text: z.string(),
      studyKind: z.enum(STUDY_KINDS).nullable(),
    })).describe('Hips with an affirmed onfh statement and no ONFH condition (clinical-spec.md 13)'),
  })
  .describe('The engine output for one patient (design.md section 1)');

type DeepMutable<T> = T extends string | number | boolean | null | undefined ? T
  : T extends readonly (infer U)[] ? DeepMutable<U>[] : { -readonly [K in keyof T]: DeepMutable<T[K]> };
/** The field names at every depth (values that are not objects reduce to never). */
type Fields<T> = T extends string | number | boolean | null | undefined ? never
  : T extends readonly (infer U)[] ? Fields<U> : { -readonly [K in keyof T]-?: Fields<NonNullable<T[K]>> };
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Schema = z.output<typeof AssessmentSchema>;

/** @public Compile-time: the schema has exactly the engine's fields, and every Assessment the engine makes fits it. */
export const ASSESSMENT_TYPES_AGREE: [Same<Fields<Assessment>, Fields<Schema>>, DeepMutable<Assessment> extends Schema ? true : false] = [true, true];
