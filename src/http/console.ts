/**
 * The governance console (design.md sections 6 and 8, issue 21): the admin-only JSON it reads
 * beside the public routes, and the built front-end (console/ → dist/console) at /console.
 *
 * - `GET /admin/api/rule-sets`: every loaded rule file as the loader read it (its rules with their
 *   citation and `basis`) and the cases beside them (`rules/**\/cases`, without their bundles).
 * - `POST /admin/api/cards`: a Bundle of one patient → the cards of a hook, as the EHR would get
 *   them (the console's "try a patient" works whatever AUTH_MODE the hooks use).
 * - `/console/*`: static files with a strict CSP (no inline script or style), hashed assets cached
 *   as immutable, index.html revalidated, compressed (br, gzip).
 * ADMIN_TOKEN unset: every /admin/api route answers 404 and /console is not served.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants as zlib } from 'node:zlib';
import compress from '@fastify/compress';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CardsResponseSchema } from '../cds-hooks/card.js';
import { ONFH_SERVICES } from '../cds-hooks/services.js';
import type { Config } from '../config.js';
import { bundleResources, isBundle } from '../fhir/bundle.js';
import { badRequest, OperationOutcomeError } from '../fhir/operation-outcome.js';
import { listCaseFiles } from '../pipeline/cases.js';
import { evaluationDate, type Pipeline } from '../pipeline/index.js';
import type { LoadedRules } from '../rules/index.js';
import { STAGE_CODES } from '../rules/schemas.js';
import { adminTokenMatches } from './admin-routes.js';
import { RuleSetInfoSchema } from './clinical-routes.js';
import { outcomeResponse } from './errors.js';
import { responseSchema, zodValidatorCompiler } from './zod-schemas.js';

/** dist/console, from src/http (tsx) or dist/http (compiled): both sit two levels below the package root. */
export const CONSOLE_DIST_DIR = fileURLToPath(new URL('../../dist/console', import.meta.url));

// ── admin guard (the token check of admin-routes.ts; 404 while ADMIN_TOKEN is unset) ─────────────

function adminOnly(config: Config) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (config.ADMIN_TOKEN === undefined) throw new OperationOutcomeError(404, [{ code: 'not-found', text: `no route ${request.method} ${request.routeOptions.url ?? ''}` }]);
    if (!adminTokenMatches(request.headers.authorization, config.ADMIN_TOKEN)) {
      request.log.warn({ event: 'admin.refused' }, 'admin token refused: answered 401');
      void reply.header('www-authenticate', 'Bearer');
      throw new OperationOutcomeError(401, [{ code: 'security', text: 'Unauthorized' }]);
    }
  };
}

// ── rule sets as loaded ─────────────────────────────────────────────────────────────────────

const Strings = z.array(z.string());
const RuleEntrySchema = z.object({
  path: z.string().describe('JSON path of the rule inside its file'),
  label: z.string(),
  source: z.string().describe('The citation: guideline table or section'),
  basis: z.string().nullable().describe('"interpretation" where the guideline is silent'),
  why: z.string().nullable(),
  modality: z.string().nullable(),
  stages: Strings.describe('Stage codes the rule names'),
  codes: Strings.describe('Codes the rule (or value set entry) holds'),
  content: z.unknown().describe('The rule as written in the file'),
});
const RuleSetContentSchema = z.object({
  ruleSets: z.array(
    RuleSetInfoSchema.extend({
      folder: z.string(),
      title: z.string().nullable(),
      description: z.string().nullable(),
      rules: z.array(RuleEntrySchema),
    }),
  ),
  cases: z.array(
    z.object({
      file: z.string(),
      folder: z.string().describe('The rules folder the case sits in; its rule sets are those of the same folder'),
      fires: z.boolean().describe('in-… (the rule fires) or out-… (it does not)'),
      description: z.string(),
      spec: z.string(),
      now: z.string().nullable(),
      expect: z.unknown(),
    }),
  ),
});
type RuleSetContent = z.infer<typeof RuleSetContentSchema>;
type RuleEntry = z.infer<typeof RuleEntrySchema>;

type Json = Record<string, unknown>;
const isRecord = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);
const ALL_STAGES = new Set([...STAGE_CODES.arco, ...STAGE_CODES.chinese]);
const LABEL_KEYS = ['stage', 'modality', 'id', 'name', 'check', 'code', 'value', 'reason', 'what', 'status'];

/** Every string value under `node` that `keep` accepts (deep). */
function strings(node: unknown, keep: (key: string, value: string) => boolean, key = '', out = new Set<string>()): Set<string> {
  if (typeof node === 'string') {
    if (keep(key, node)) out.add(node);
  } else if (Array.isArray(node)) {
    for (const x of node) strings(x, keep, key, out);
  } else if (isRecord(node)) {
    for (const [k, v] of Object.entries(node)) strings(v, keep, k, out);
  }
  return out;
}

/**
 * The rules of one file: every object below the root that carries a `source` citation (stage rows,
 * modalities and their status rules, value set entries, checks …), whatever the file's kind, so a
 * new kind shows up without a change here. Stages and codes are gathered for the console's search.
 */
function rulesOf(json: unknown): RuleEntry[] {
  const out: RuleEntry[] = [];
  const walk = (node: unknown, path: string, modality: string | null, owner: string): void => {
    if (Array.isArray(node)) {
      node.forEach((x, i) => {
        walk(x, `${path}[${i}]`, modality, owner);
      });
      return;
    }
    if (!isRecord(node)) return;
    const own = str(node.modality) ?? modality;
    const source = path === '$' ? null : str(node.source);
    let label = owner;
    if (source !== null) {
      const key = LABEL_KEYS.find((k) => typeof node[k] === 'string');
      label = key === undefined ? path.split('.').at(-1) ?? path : `${key} ${String(node[key])}`;
      const stages = new Set<string>();
      if (typeof node.stage === 'string') stages.add(node.stage);
      for (const part of [node.when, node.appliesTo, node.subtypes]) strings(part, (_k, v) => ALL_STAGES.has(v), '', stages);
      out.push({
        path, label: owner && owner !== label ? `${owner} › ${label}` : label, source,
        basis: str(node.basis), why: str(node.why), modality: own,
        stages: [...stages], codes: [...strings(node, (k) => k === 'code')], content: node,
      });
    }
    for (const [k, v] of Object.entries(node)) if (typeof v === 'object' && v !== null) walk(v, `${path}.${k}`, own, source === null ? owner : label);
  };
  walk(json, '$', null, '');
  return out;
}

async function readRuleSetContent(rules: LoadedRules): Promise<RuleSetContent> {
  // "staging/cases/in-x.json" → "staging": the folder whose rule files the case exercises.
  const folderOf = (file: string): string => {
    const parts = file.split('/');
    return parts.slice(0, Math.max(parts.indexOf('cases'), 0)).join('/');
  };
  const ruleSets = await Promise.all(
    rules.sets.map(async (set) => {
      const text = await readFile(join(rules.dir, set.file), 'utf8');
      // The file as loaded: a file changed on disk since the start is shown as changed, not as the rules in force.
      const changed = createHash('sha256').update(text).digest('hex') !== set.sha256;
      const json: unknown = changed ? null : JSON.parse(text);
      const head = isRecord(json) ? json : {};
      return {
        ...set,
        folder: set.file.split('/').slice(0, -1).join('/'),
        title: str(head.title),
        description: changed ? 'This file changed on disk after the service started: restart to load it.' : str(head.description),
        rules: rulesOf(json),
      };
    }),
  );
  const cases = [];
  for (const file of await listCaseFiles(rules.dir)) {
    let json: unknown = null;
    try {
      json = JSON.parse(await readFile(join(rules.dir, file), 'utf8'));
    } catch {
      // a broken case is reported by `rules test`; here it shows with no content
    }
    const c = isRecord(json) ? json : {};
    const name = file.split('/').at(-1) ?? file;
    cases.push({
      file, folder: folderOf(file), fires: name.startsWith('in-'),
      description: str(c.description) ?? '', spec: str(c.spec) ?? '', now: str(c.now), expect: c.expect ?? null,
    });
  }
  return { ruleSets, cases };
}

// ── try a patient: cards ────────────────────────────────────────────────────────────────────

const CardsRequestSchema = z.object({
  hook: z.enum(['patient-view', 'order-select', 'order-sign']).default('patient-view'),
  bundle: z.unknown().describe('A FHIR Bundle of one patient’s resources'),
  draftOrders: z.unknown().optional().describe('order-select / order-sign: a Bundle of the draft orders'),
  selections: z.array(z.string()).optional().describe('order-select: the selected orders ("MedicationRequest/1")'),
  now: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD').optional(),
});

// ── registration ────────────────────────────────────────────────────────────────────────────

/** The console's Content-Security-Policy: same-origin scripts, styles, data and images only; nothing inline. */
export const CONSOLE_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
  "connect-src 'self'", "manifest-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

export async function registerConsole(app: FastifyInstance, config: Config, pipeline: Pipeline, now: () => Date): Promise<void> {
  const admin = adminOnly(config);
  let content: Promise<RuleSetContent> | undefined;

  app.get(
    '/admin/api/rule-sets',
    {
      onRequest: admin,
      schema: {
        summary: 'Every loaded rule set with its rules (citation, basis) and the cases beside them',
        tags: ['admin'],
        security: [{ adminToken: [] }],
        response: {
          200: responseSchema(RuleSetContentSchema, 'The rule files as loaded, with their cases (bundles left out)'),
          401: outcomeResponse('No or a wrong admin token'),
          404: outcomeResponse('ADMIN_TOKEN is not set: the admin API is off'),
        },
      },
    },
    () =>
      (content ??= readRuleSetContent(pipeline.rules).catch((error: unknown) => {
        content = undefined; // a failed read (a file gone from RULES_DIR) is tried again next time
        throw error;
      })),
  );

  app.post<{ Body: z.infer<typeof CardsRequestSchema> }>(
    '/admin/api/cards',
    {
      onRequest: admin,
      schema: {
        summary: 'The cards a hook would return for a Bundle of one patient (the console’s "try a patient")',
        tags: ['admin'],
        security: [{ adminToken: [] }],
        body: CardsRequestSchema,
        response: {
          200: responseSchema(CardsResponseSchema, 'The cards, as the hook answers them'),
          400: outcomeResponse('Not a Bundle, several patients, or a bad field; the issue text says which'),
          401: outcomeResponse('No or a wrong admin token'),
          404: outcomeResponse('ADMIN_TOKEN is not set: the admin API is off'),
        },
      },
      validatorCompiler: zodValidatorCompiler,
    },
    (request) => {
      const { hook, bundle, draftOrders, selections = [] } = request.body;
      const at = request.body.now ?? evaluationDate(now());
      const checked = pipeline.assessBundle(bundle, at);
      if (!checked.ok) throw badRequest(`bundle: ${checked.error}`, 'bundle');
      if (draftOrders !== undefined && !isBundle(draftOrders)) throw badRequest('draftOrders: expected a FHIR Bundle', 'draftOrders');
      const service = ONFH_SERVICES.find((s) => s.hook === hook) ?? ONFH_SERVICES[0];
      if (service === undefined) throw badRequest(`hook: no service for ${hook}`, 'hook');
      const patientId = checked.assessment.patientId;
      const { cards, notes } = pipeline.decide({
        service, hook, context: { userId: 'Practitioner/console', patientId },
        record: { patientId, resources: bundleResources(bundle as fhir4.Bundle) },
        draftOrders: draftOrders === undefined ? [] : bundleResources(draftOrders), selections,
        now: new Date(`${at}T12:00:00Z`),
      });
      for (const { message, ...fields } of notes) request.log.info(fields, message);
      request.log.info({ event: 'admin.cards', hook, cards: cards.length }, 'console cards');
      return { cards };
    },
  );

  if (config.ADMIN_TOKEN === undefined) return; // design.md section 6: unset → the console is off (404)
  if (!existsSync(join(CONSOLE_DIST_DIR, 'index.html'))) {
    app.log.warn({ dir: CONSOLE_DIST_DIR }, 'console not built (npm run build): /console answers 404');
    return;
  }
  await app.register(async (scope) => {
    await scope.register(compress, {
      encodings: ['br', 'gzip'],
      threshold: 1024,
      // Quality 5: near quality 11's size for JS at a fraction of its CPU (assets are cached as immutable anyway).
      brotliOptions: { params: { [zlib.BROTLI_PARAM_QUALITY]: 5 } },
    });
    await scope.register(fastifyStatic, { root: CONSOLE_DIST_DIR, prefix: '/console/', cacheControl: false, index: ['index.html'], wildcard: true });
    scope.get('/console', (_request, reply) => reply.redirect('/console/', 301));
    scope.addHook('onSend', async (request, reply, payload) => {
      void reply.header('content-security-policy', CONSOLE_CSP);
      // Vite names built assets by content hash: they never change; index.html always revalidates.
      const hashed = request.url.startsWith('/console/assets/') && reply.statusCode === 200;
      void reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      return payload;
    });
  });
}
