/**
 * The engine's own endpoints (design.md section 1): `POST /assessment` (a FHIR Bundle of one
 * patient → the Assessment JSON) and `GET /rules` (the loaded rule sets).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ARCO_STAGES, CHINESE_STAGES, MODALITY_IDS } from '../engine/types.js';
import { assessBundle } from '../engine/index.js';
import { badRequest } from '../fhir/operation-outcome.js';
import type { LoadedRules } from '../rules/index.js';
import { evaluationDate } from '../clinical.js';
import { outcomeResponse } from './errors.js';
import { responseSchema, zodValidatorCompiler } from './zod-schemas.js';

const Side = z.enum(['left', 'right', 'unknown']);
const Arco = z.enum(ARCO_STAGES as [string, ...string[]]).nullable();
const Chinese = z.enum(CHINESE_STAGES as [string, ...string[]]).nullable();
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
        etiology: z.enum(['non-traumatic', 'traumatic', 'drug-associated']),
        findings: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])),
        sizeCategory: z.enum(['small', 'medium', 'large']).nullable(),
        stage: z.object({
          arco: Arco,
          chinese: Chinese,
          source: z.enum(['computed', 'recorded']).nullable(),
          recorded: z.object({ arco: Arco, chinese: Chinese, text: z.string().optional() }).nullable(),
          history: z.array(z.object({ date: z.string(), arco: Arco, chinese: Chinese, modality: z.string().optional() })).optional(),
        }),
        recommendations: z.array(
          z.object({
            modality: z.enum(MODALITY_IDS),
            status: z.enum(['recommended', 'consider', 'no-recommendation', 'not-recommended', 'not-applicable', 'contraindicated']),
            evidence: z.enum(['A', 'B', 'C', 'D']),
            strength: z.union([z.literal(1), z.literal(2), z.literal(3)]),
            reasons: Strings,
            source: z.string(),
            combinations: Strings.optional(),
            notes: Strings.optional(),
          }),
        ),
        followUp: z.object({
          modality: z.enum(['MR', 'CT', 'XR']),
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
  })
  .describe('The engine output for one patient (design.md section 1)');

const AssessmentQuerySchema = z.object({
  now: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
    .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'not a calendar date')
    .optional()
    .describe('Evaluate as of this date (YYYY-MM-DD); default today (UTC)'),
});

const RuleSetsSchema = z.object({
  ruleSets: z.array(
    z.object({
      id: z.string(),
      version: z.string(),
      status: z.enum(['draft', 'active', 'retired']),
      kind: z.string(),
      sha256: z.string(),
      source: z.object({ document: z.string(), section: z.string() }),
      file: z.string().describe('Path relative to RULES_DIR'),
    }),
  ),
});

export function registerClinicalRoutes(app: FastifyInstance, rules: LoadedRules, now: () => Date): void {
  app.post<{ Querystring: z.infer<typeof AssessmentQuerySchema>; Body: unknown }>(
    '/assessment',
    {
      schema: {
        summary: 'Assess one patient: a FHIR Bundle (any type) of one patient’s resources → the Assessment',
        tags: ['engine'],
        querystring: AssessmentQuerySchema,
        response: {
          200: responseSchema(AssessmentSchema, 'The Assessment'),
          400: outcomeResponse('Not a Bundle, several patients, or a bad `now`; the issue text says which'),
          413: outcomeResponse('Body larger than BODY_LIMIT_BYTES'),
        },
      },
      validatorCompiler: zodValidatorCompiler,
    },
    (request) => {
      const at = request.query.now ?? evaluationDate(now());
      const result = assessBundle(request.body, rules, at);
      if (!result.ok) throw badRequest(`body: ${result.error}`, 'body');
      request.log.info(
        { event: 'assessment', patientId: result.assessment.patientId, inScope: result.assessment.inScope, hips: result.assessment.hips.length },
        'assessment',
      );
      return result.assessment;
    },
  );

  app.get(
    '/rules',
    {
      schema: {
        summary: 'The loaded rule sets: id, version, status, sha256, source',
        tags: ['engine'],
        response: { 200: responseSchema(RuleSetsSchema, 'Every rule file loaded, with its SHA-256') },
      },
    },
    () => ({ ruleSets: rules.sets }),
  );
}
