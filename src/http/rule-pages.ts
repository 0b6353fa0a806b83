/**
 * `GET /rules/{id}` (design.md section 8): the public page of one rule set, the page a card's
 * `source.url` opens. HTML for a person (every text escaped, no script), JSON with
 * `Accept: application/json`: title, version, status, sha256, the guideline it encodes, and each
 * rule with its citation and basis. The files are read once, at start, and checked against the
 * SHA-256 the loader logged, so the page shows exactly the rules that are running.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { notFound } from '../fhir/operation-outcome.js';
import { describeRules, type DescribedRule } from '../rules/describe.js';
import { GUIDELINE } from '../rules/guideline.js';
import type { LoadedRules, RuleSetInfo } from '../rules/index.js';
import { outcomeResponse } from './errors.js';
import { responseSchema } from './zod-schemas.js';

const RuleSchema = z.object({
  path: z.string().describe('JSON path of the rule in its file'),
  rule: z.string(),
  citation: z.string().describe('guideline table/section or seed'),
  basis: z.string().describe('"source" (as cited), "interpretation" or "secondary source"'),
  why: z.string().optional().describe('why this interpretation, in one sentence'),
});

const RuleSetPageSchema = z.object({
  id: z.string(),
  title: z.string(),
  version: z.string(),
  status: z.enum(['draft', 'active', 'retired']),
  kind: z.string(),
  sha256: z.string(),
  file: z.string(),
  source: z.object({ document: z.string(), section: z.string() }),
  description: z.string().optional(),
  guideline: z.object({
    title: z.string(), edition: z.string(), authors: z.string(), publisher: z.string(), published: z.string(),
    licence: z.string(), licenceUrl: z.string(),
  }),
  rules: z.array(RuleSchema),
  otherVersions: z.array(z.object({ version: z.string(), status: z.enum(['draft', 'active', 'retired']), sha256: z.string(), file: z.string() })),
});
type RuleSetPage = z.infer<typeof RuleSetPageSchema>;

/** What a reader calls each kind of rule file. */
const KIND_TITLE: Readonly<Record<string, string>> = {
  'derived-facts': 'Named clinical thresholds',
  staging: 'Staging',
  modalities: 'Treatment options',
  'surgical-evaluation': 'When surgical evaluation is indicated',
  'conservative-care': 'When conservative care is the indicated path',
  'follow-up': 'Imaging follow-up',
  'risk-factors': 'Risk factors',
  'order-checks': 'Order-entry checks',
  valueset: 'Codes (value set)',
};

interface ReadSet {
  readonly info: RuleSetInfo;
  readonly json: Record<string, unknown> | null;
}

async function readSets(rules: LoadedRules): Promise<ReadSet[]> {
  return Promise.all(rules.sets.map(async (info) => {
    try {
      const text = await readFile(join(rules.dir, info.file), 'utf8');
      // A file changed since it was loaded is not what runs: its rules are not shown.
      if (createHash('sha256').update(text).digest('hex') !== info.sha256) return { info, json: null };
      return { info, json: JSON.parse(text) as Record<string, unknown> };
    } catch {
      return { info, json: null };
    }
  }));
}

const statusRank = (s: RuleSetInfo['status']): number => (s === 'active' ? 0 : s === 'draft' ? 1 : 2);

function pageOf(id: string, sets: readonly ReadSet[]): RuleSetPage | undefined {
  const versions = sets.filter((s) => s.info.id === id).sort((x, y) => statusRank(x.info.status) - statusRank(y.info.status));
  const shown = versions[0];
  if (shown === undefined) return undefined;
  const { info, json } = shown;
  const title = typeof json?.title === 'string' ? json.title : `${KIND_TITLE[info.kind] ?? info.kind}: ${id}`;
  const description = typeof json?.description === 'string' ? json.description : undefined;
  const { title: gTitle, edition, authors, publisher, published, licence, licenceUrl } = GUIDELINE;
  const guideline = { title: gTitle, edition, authors, publisher, published, licence, licenceUrl };
  return {
    id,
    title,
    version: info.version,
    status: info.status,
    kind: info.kind,
    sha256: info.sha256,
    file: info.file,
    source: info.source,
    ...(description !== undefined && { description }),
    guideline,
    rules: json === null ? [] : describeRules(json),
    otherVersions: versions.slice(1).map((v) => ({ version: v.info.version, status: v.info.status, sha256: v.info.sha256, file: v.info.file })),
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);
}

function ruleRow(r: DescribedRule): string {
  const basis = r.basis === 'source' ? 'as cited' : r.basis;
  const why = r.why === undefined ? '' : `<div class="why">${escapeHtml(r.why)}</div>`;
  return `<tr><td>${escapeHtml(r.rule)}${why}</td><td>${escapeHtml(r.citation)}</td><td class="basis-${escapeHtml(r.basis.replace(/\s+/g, '-'))}">${escapeHtml(basis)}</td></tr>`;
}

/** The page as HTML: every value escaped; styles only, no script, no external resource. */
export function ruleSetHtml(p: RuleSetPage): string {
  const g = p.guideline;
  const rows = p.rules.length === 0
    ? '<tr><td colspan="3">The rules of this file are not shown: the file changed since it was loaded.</td></tr>'
    : p.rules.map(ruleRow).join('\n');
  const others = p.otherVersions.length === 0
    ? ''
    : `<p>Other versions on record: ${p.otherVersions.map((v) => `${escapeHtml(v.version)} (${escapeHtml(v.status)})`).join(', ')}</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(p.title)} · onfh-cds rules</title>
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
table{border-collapse:collapse;width:100%}td,th{border-top:1px solid #d0d7de;padding:.4rem .5rem;vertical-align:top;text-align:left}
.why{color:#57606a;font-size:.9em;margin-top:.2rem}.basis-interpretation{color:#9a6700}dt{font-weight:600}code{font-size:.9em}</style>
</head><body>
<h1>${escapeHtml(p.title)}</h1>
${p.description === undefined ? '' : `<p>${escapeHtml(p.description)}</p>`}
<dl>
<dt>Rule set</dt><dd><code>${escapeHtml(p.id)}</code> version ${escapeHtml(p.version)}, ${escapeHtml(p.status)} (${escapeHtml(p.kind)}; file <code>${escapeHtml(p.file)}</code>)</dd>
<dt>SHA-256</dt><dd><code>${escapeHtml(p.sha256)}</code></dd>
<dt>Source</dt><dd>${escapeHtml(p.source.document)}, ${escapeHtml(p.source.section)}</dd>
<dt>Guideline</dt><dd><cite>${escapeHtml(g.title)}</cite>, ${escapeHtml(g.edition)} edition; ${escapeHtml(g.authors)}; ${escapeHtml(g.publisher)}, published ${escapeHtml(g.published)}. Licence <a href="${escapeHtml(g.licenceUrl)}">${escapeHtml(g.licence)}</a>.</dd>
</dl>
${others}
<h2>Rules (${String(p.rules.length)})</h2>
<p>Each rule with the guideline table, section or seed it encodes. <em>Interpretation</em> marks a choice the sources leave open, with why.</p>
<table><thead><tr><th>Rule</th><th>Citation</th><th>Basis</th></tr></thead><tbody>
${rows}
</tbody></table>
<p><a href="../rules">All rule sets (JSON)</a></p>
</body></html>
`;
}

/** Wants JSON: an Accept header that names application/json (or +json) before any HTML. */
function wantsJson(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const types = accept.split(',').map((t) => t.split(';')[0]?.trim().toLowerCase() ?? '');
  const json = types.findIndex((t) => t === 'application/json' || t.endsWith('+json'));
  const html = types.findIndex((t) => t === 'text/html');
  return json !== -1 && (html === -1 || json < html);
}

export async function registerRulePages(app: FastifyInstance, rules: LoadedRules): Promise<void> {
  const sets = await readSets(rules);
  const pages = new Map<string, RuleSetPage>();
  for (const id of new Set(sets.map((s) => s.info.id))) {
    const page = pageOf(id, sets);
    if (page !== undefined) pages.set(id, page);
  }
  app.get<{ Params: { id: string } }>(
    '/rules/:id',
    {
      schema: {
        summary: 'One rule set as a public page: HTML, or JSON with Accept: application/json',
        description: 'Title, version, status, sha256, the guideline it encodes (title, edition, publisher, licence), each rule with its citation and basis. Cards link here (source.url).',
        tags: ['engine'],
        params: { type: 'object', properties: { id: { type: 'string', description: 'rule set id, e.g. gl2025-modalities' } }, required: ['id'] },
        produces: ['text/html', 'application/json'],
        response: {
          200: responseSchema(RuleSetPageSchema, 'The rule set (JSON with Accept: application/json; otherwise an HTML page of the same content)'),
          404: outcomeResponse('No rule set with this id is loaded'),
        },
      },
    },
    async (request, reply) => {
      const page = pages.get(request.params.id);
      if (page === undefined) throw notFound(`no rule set "${request.params.id}" is loaded (GET /rules lists them)`);
      if (wantsJson(request.headers.accept)) return page;
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
        .header('vary', 'Accept')
        .serializer((payload: unknown) => String(payload))
        .send(ruleSetHtml(page));
    },
  );
}
