/**
 * CDS Hooks 2.0 routes: discovery (`GET /cds-services`), service calls
 * (`POST /cds-services/{id}`) and feedback (`POST /cds-services/{id}/feedback`).
 * https://cds-hooks.hl7.org/2.0/#discovery, #calling-a-cds-service, #feedback
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { fhirServerRefusal } from '../auth/fhir-guard.js';
import { CardsResponseSchema } from '../cds-hooks/card.js';
import { FeedbackRequestSchema, type FeedbackItem, type FeedbackRequest } from '../cds-hooks/feedback.js';
import { CdsRequestSchema, type CdsRequest } from '../cds-hooks/request.js';
import { DiscoveryResponseSchema, type ServiceDefinition } from '../cds-hooks/services.js';
import type { Config } from '../config.js';
import { bundleResources, countResources } from '../fhir/bundle.js';
import { badRequest, notFound, OperationOutcomeError } from '../fhir/operation-outcome.js';
import { createFhirDispatcher } from '../fhir/fhir-fetch.js';
import { resolvePatientRecord } from '../fhir/prefetch.js';
import { recordCards } from '../metrics/index.js';
import type { CdsDecision, Pipeline } from '../pipeline/index.js';
import { outcomeResponse } from './errors.js';
import { responseSchema, zodValidatorCompiler } from './zod-schemas.js';

export interface CdsRoutesOptions {
  readonly config: Config;
  readonly services: readonly ServiceDefinition[];
  /** The clinical path; only its `decide` is used here. */
  readonly pipeline: Pick<Pipeline, 'decide'>;
  readonly now: () => Date;
  readonly onFeedback?: ((serviceId: string, feedback: readonly FeedbackItem[]) => void | Promise<void>) | undefined;
}

/** Per hook call, for the one log line written when the answer has gone. */
interface HookCallLog {
  service: ServiceDefinition;
  hookInstance?: string;
  cards?: number;
  /** The pipeline's hip stages, for the decision store's suppression (src/store/plugin.ts). */
  hips?: CdsDecision['hips'];
}

declare module 'fastify' {
  interface FastifyRequest {
    cdsCall: HookCallLog | null;
  }
}

const IdParamsSchema = z.object({ id: z.string() });
type IdParams = z.infer<typeof IdParamsSchema>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Answers every POST under /cds-services/{id} can give besides its own (OpenAPI only: bodies are OperationOutcomes). */
const CALL_OUTCOMES = {
  401: outcomeResponse('No valid CDS client JWT (AUTH_MODE=jwt); the body says only "Unauthorized"'),
  404: outcomeResponse('Unknown service'),
  413: outcomeResponse('Body larger than BODY_LIMIT_BYTES'),
  429: outcomeResponse('Rate limit of this CDS client exceeded; see Retry-After'),
  500: outcomeResponse('Internal Server Error'),
  503: outcomeResponse('Shedding load or shutting down; see Retry-After'),
};

export function registerCdsServiceRoutes(app: FastifyInstance, options: CdsRoutesOptions): void {
  const { config, services, pipeline, now } = options;
  const byId = new Map(services.map((s) => [s.id, s]));
  const discovery = {
    services: services.map((s) => ({
      hook: s.hook,
      title: s.title,
      description: s.description,
      id: s.id,
      prefetch: s.prefetch,
      ...(s.usageRequirements === undefined ? {} : { usageRequirements: s.usageRequirements }),
    })),
  };

  app.decorateRequest('cdsCall', null);

  // One set of FHIR connections for every hook call of this app (kept alive, capped per origin).
  const fhirDispatcher = createFhirDispatcher({ maxResponseBytes: config.FHIR_MAX_RESPONSE_BYTES, connectionsPerOrigin: config.FHIR_MAX_CONNECTIONS });
  app.addHook('onClose', async () => {
    await fhirDispatcher.close();
  });

  /** For onRequest: an unknown service is a 404 before the body is even read. */
  function findService(request: FastifyRequest<{ Params: IdParams }>): ServiceDefinition | OperationOutcomeError {
    return byId.get(request.params.id) ?? notFound(`no CDS service '${request.params.id}'; see GET /cds-services`);
  }

  app.get(
    '/cds-services',
    {
      schema: {
        summary: 'CDS Hooks discovery',
        tags: ['cds-hooks'],
        response: { 200: responseSchema(DiscoveryResponseSchema, 'The CDS services and their prefetch templates') },
      },
    },
    () => discovery,
  );

  app.post<{ Params: IdParams; Body: CdsRequest }>(
    '/cds-services/:id',
    {
      schema: {
        summary: 'Call a CDS service (CDS Hooks 2.0 request → cards)',
        tags: ['cds-hooks'],
        params: IdParamsSchema,
        body: CdsRequestSchema,
        response: {
          200: responseSchema(CardsResponseSchema, 'Cards; an empty array when there is no guidance'),
          400: outcomeResponse('Malformed request; the issue text names the field'),
          ...CALL_OUTCOMES,
          412: outcomeResponse('Required FHIR data neither prefetched nor fetchable; the issues name the prefetch keys'),
        },
      },
      validatorCompiler: zodValidatorCompiler,
      onRequest: (request, _reply, done) => {
        const service = findService(request);
        if (service instanceof OperationOutcomeError) {
          done(service);
          return;
        }
        request.cdsCall = { service };
        done();
      },
      preValidation: (request, _reply, done) => {
        const call = request.cdsCall;
        const body = request.body as unknown;
        if (call === null || typeof body !== 'object' || body === null || Array.isArray(body)) {
          done();
          return;
        }
        const { hook, hookInstance } = body as { hook?: unknown; hookInstance?: unknown };
        if (typeof hookInstance === 'string' && UUID.test(hookInstance)) call.hookInstance = hookInstance;
        // A service answers one hook (CDS Hooks 2.0 Discovery: `hook` of the service).
        if (hook !== call.service.hook) {
          done(badRequest(`hook: service '${call.service.id}' is invoked on the '${call.service.hook}' hook`, 'hook'));
          return;
        }
        done();
      },
      onResponse: (request, reply, done) => {
        logHookCall(request, reply);
        done();
      },
    },
    async (request) => {
      const call = request.cdsCall;
      if (call === null) throw notFound('no CDS service');
      const body = request.body;
      const draftOrdersBundle = body.hook === 'patient-view' ? undefined : body.context.draftOrders;
      const resourceCount =
        Object.values(body.prefetch ?? {}).reduce((n, v) => n + countResources(v), 0) + countResources(draftOrdersBundle);
      if (resourceCount > config.MAX_RESOURCES) {
        throw badRequest(`prefetch and context.draftOrders hold ${resourceCount} resources; at most ${config.MAX_RESOURCES} (MAX_RESOURCES) are accepted`);
      }
      const record = await resolvePatientRecord({
        templates: call.service.prefetch,
        context: body.context,
        prefetch: body.prefetch,
        fhirServer: body.fhirServer,
        accessToken: body.fhirAuthorization?.access_token,
        fhirServerRefusal: (fhirServer) => fhirServerRefusal(request, fhirServer, config),
        timeoutMs: config.FHIR_TIMEOUT_MS,
        maxPages: config.FHIR_MAX_PAGES,
        dispatcher: fhirDispatcher,
        log: request.log,
      });
      const { cards, notes, hips } = pipeline.decide({
        service: call.service,
        hook: body.hook,
        context: body.context,
        record,
        draftOrders: draftOrdersBundle === undefined ? [] : bundleResources(draftOrdersBundle as fhir4.Bundle),
        selections: body.hook === 'order-select' ? body.context.selections : [],
        now: now(),
      });
      for (const { message, ...fields } of notes) request.log.info(fields, message);
      call.cards = cards.length;
      call.hips = hips;
      recordCards(call.service.id, cards);
      return { cards };
    },
  );

  app.post<{ Params: IdParams; Body: FeedbackRequest }>(
    '/cds-services/:id/feedback',
    {
      schema: {
        summary: 'CDS Hooks feedback: a card accepted or overridden',
        tags: ['cds-hooks'],
        params: IdParamsSchema,
        body: FeedbackRequestSchema,
        response: {
          200: responseSchema(z.object({}), 'Feedback received'),
          400: outcomeResponse('Malformed feedback; the issue text names the field'),
          ...CALL_OUTCOMES,
        },
      },
      validatorCompiler: zodValidatorCompiler,
      onRequest: (request, _reply, done) => {
        const service = findService(request);
        done(service instanceof OperationOutcomeError ? service : undefined);
      },
    },
    async (request) => {
      const serviceId = request.params.id;
      for (const item of request.body.feedback) {
        // Card and suggestion ids and the override code only: userComment is free text and may name the patient.
        request.log.info(
          {
            event: 'cds.feedback',
            serviceId,
            card: item.card,
            outcome: item.outcome,
            acceptedSuggestions: item.acceptedSuggestions?.map((s) => s.id),
            overrideReason: item.overrideReason?.reason === undefined ? undefined : { system: item.overrideReason.reason.system, code: item.overrideReason.reason.code },
            hasUserComment: item.overrideReason?.userComment !== undefined,
            outcomeTimestamp: item.outcomeTimestamp,
          },
          'feedback',
        );
      }
      await options.onFeedback?.(serviceId, request.body.feedback);
      return {};
    },
  );
}

/** One line per hook call: service, hookInstance, status, duration, cards; never patient data. */
function logHookCall(request: FastifyRequest, reply: FastifyReply): void {
  const call = request.cdsCall;
  if (call === null) return;
  request.log.info(
    {
      event: 'cds.hook',
      serviceId: call.service.id,
      hookInstance: call.hookInstance,
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
      cards: call.cards ?? 0,
    },
    'hook call',
  );
}
