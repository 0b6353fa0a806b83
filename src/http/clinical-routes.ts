/**
 * The engine's own endpoints (design.md section 1): `POST /assessment` (a FHIR Bundle of one
 * patient → the Assessment JSON) and `GET /rules` (the loaded rule sets).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AssessmentSchema } from '../engine/assessment-schema.js';
import { RULE_STATUSES } from '../vocabulary/index.js';
import { badRequest } from '../fhir/operation-outcome.js';
import { evaluationDate, type Pipeline } from '../pipeline/index.js';
import { outcomeResponse } from './errors.js';
import { responseSchema, zodValidatorCompiler } from './zod-schemas.js';

const AssessmentQuerySchema = z.object({
  now: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
    .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'not a calendar date')
    .optional()
    .describe('Evaluate as of this date (YYYY-MM-DD); default today (UTC)'),
});

/** One loaded rule file as GET /rules shows it (the console's admin view extends it). */
export const RuleSetInfoSchema = z.object({
  id: z.string(),
  version: z.string(),
  status: z.enum(RULE_STATUSES),
  kind: z.string(),
  sha256: z.string(),
  source: z.object({ document: z.string(), section: z.string() }),
  file: z.string().describe('Path relative to RULES_DIR'),
});

const RuleSetsSchema = z.object({ ruleSets: z.array(RuleSetInfoSchema) });

export function registerClinicalRoutes(app: FastifyInstance, pipeline: Pipeline, now: () => Date): void {
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
      const result = pipeline.assessBundle(request.body, at);
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
    () => ({ ruleSets: pipeline.rules.sets }),
  );
}
