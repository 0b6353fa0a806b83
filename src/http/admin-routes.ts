/**
 * The admin API (design.md section 6), read by the console: recent decisions and the feedback
 * summary. Guarded by ADMIN_TOKEN as a Bearer token, compared in constant time; with ADMIN_TOKEN
 * unset every /admin route answers 404, as if it did not exist. Registered either way, so the
 * OpenAPI document is the same for every configuration.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../config.js';
import { badRequest, notFound, OperationOutcomeError } from '../fhir/operation-outcome.js';
import { feedbackSummary, listDecisions, type DayRange } from '../store/analytics.js';
import { StoreUnavailableError, type DecisionStore } from '../store/store.js';
import { outcomeResponse } from './errors.js';
import { responseSchema, zodValidatorCompiler } from './zod-schemas.js';

const Day = z.iso.date().describe('YYYY-MM-DD (UTC), included');
const RangeQuery = { from: Day.optional().describe('default: 29 days before `to`'), to: Day.optional().describe('default: today (UTC)') };
const DecisionsQuerySchema = z.object({ ...RangeQuery, limit: z.coerce.number().int().min(1).max(1000).default(100) });
const SummaryQuerySchema = z.object(RangeQuery);

const RuleRefSchema = z.object({ id: z.string(), version: z.string() });
const DecisionsResponseSchema = z.object({
  from: z.string(),
  to: z.string(),
  decisions: z.array(
    z.object({
      id: z.string(),
      at: z.string().describe('RFC 3339 UTC'),
      service: z.string(),
      hookInstance: z.string().nullable(),
      patientKey: z.string().describe('HMAC-SHA256 of the patient id under PSEUDONYM_KEY; never the id'),
      ruleSets: z.array(RuleRefSchema),
      latencyMs: z.number(),
      cards: z.array(
        z.object({
          uuid: z.string(),
          indicator: z.string(),
          summary: z.string(),
          rules: z.array(RuleRefSchema),
          feedback: z.array(
            z.object({
              outcome: z.enum(['accepted', 'overridden']),
              reason: z.object({ system: z.string(), code: z.string(), display: z.string().optional() }).nullable(),
              outcomeTimestamp: z.string(),
            }),
          ),
        }),
      ),
    }),
  ),
});
const Counts = { shown: z.number().int(), accepted: z.number().int(), overridden: z.number().int() };
export const FeedbackSummarySchema = z.object({
  from: z.string(),
  to: z.string(),
  totals: z.object(Counts).describe('cards shown in the range; feedback given in it (unknown cards included)'),
  rules: z.array(
    z.object({
      rule: z.string().describe('rule-set id'),
      version: z.string(),
      ...Counts,
      reasons: z.record(z.string(), z.number().int()).describe('override reason code → count'),
    }),
  ),
});

const ADMIN_OUTCOMES = {
  400: outcomeResponse('Bad from, to or limit; the issue text names it'),
  401: outcomeResponse('Missing or wrong Bearer token (ADMIN_TOKEN)'),
  404: outcomeResponse('ADMIN_TOKEN is not set: the admin API is off'),
  503: outcomeResponse('The decision store is off or unavailable'),
};

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant time in the token's content (both sides hashed to 32 bytes first). */
export function adminTokenMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '';
  return timingSafeEqual(digest(presented), digest(token)) && presented.length > 0;
}

function dayRange(query: { from?: string | undefined; to?: string | undefined }, now: Date): DayRange {
  const to = query.to ?? now.toISOString().slice(0, 10);
  const from = query.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
  if (from > to) throw badRequest(`from: ${from} is after to ${to}`, 'from');
  return { from, to };
}

export function registerAdminRoutes(app: FastifyInstance, config: Config, store: DecisionStore | null, now: () => Date): void {
  const token = config.ADMIN_TOKEN;
  const guard = (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    if (token === undefined) {
      done(notFound(`Route ${request.method}:${request.url.split('?')[0] ?? ''} not found`));
      return;
    }
    if (!adminTokenMatches(request.headers.authorization, token)) {
      void reply.header('www-authenticate', 'Bearer');
      done(new OperationOutcomeError(401, [{ code: 'security', text: 'Unauthorized' }]));
      return;
    }
    done();
  };
  const database = () => {
    try {
      if (store === null) throw new StoreUnavailableError('store off');
      return store.database();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      throw new OperationOutcomeError(503, [{ code: 'exception', text: 'the decision store is off or unavailable' }]);
    }
  };

  app.get<{ Querystring: z.infer<typeof DecisionsQuerySchema> }>(
    '/admin/api/decisions',
    {
      schema: {
        summary: 'Recent decisions (hook calls that returned cards), newest first, with their cards and feedback',
        tags: ['admin'],
        security: [{ adminToken: [] }],
        querystring: DecisionsQuerySchema,
        response: { 200: responseSchema(DecisionsResponseSchema, 'Decisions of the range, at most `limit`'), ...ADMIN_OUTCOMES },
      },
      validatorCompiler: zodValidatorCompiler,
      onRequest: guard,
    },
    async (request) => {
      const range = dayRange(request.query, now());
      return { ...range, decisions: await listDecisions(database(), range, request.query.limit) };
    },
  );

  app.get<{ Querystring: z.infer<typeof SummaryQuerySchema> }>(
    '/admin/api/feedback-summary',
    {
      schema: {
        summary: 'Cards shown, accepted and overridden, in all and per rule set, with override reasons',
        tags: ['admin'],
        security: [{ adminToken: [] }],
        querystring: SummaryQuerySchema,
        response: { 200: responseSchema(FeedbackSummarySchema, 'design.md section 6'), ...ADMIN_OUTCOMES },
      },
      validatorCompiler: zodValidatorCompiler,
      onRequest: guard,
    },
    async (request) => {
      const range = dayRange(request.query, now());
      return feedbackSummary(database(), range);
    },
  );
}
