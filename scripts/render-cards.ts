/**
 * Renders one hook response the way a CDS Hooks client (e.g. the CDS Hooks sandbox) shows it, for
 * the README (issue 4 item 5): a self-contained HTML page (docs/img/patient-view-cards.html) and
 * the same cards as GitHub markdown (renderCardsMarkdown, used by scripts/cards-doc.ts for docs/cards.md). The app runs in-process with a fixed clock, so
 * the output only changes when the rules or the cards change.
 *
 *   npx tsx scripts/render-cards.ts [request.json] [--out docs/img/patient-view-cards.html]
 *
 * Screenshot (docs/cards.md has the exact command): headless chromium on the HTML file.
 *
 * Every piece of card text is escaped: the detail markdown is rendered by markdown-it with raw HTML
 * off and text escaped, links only for http(s)/mailto, so card content cannot inject HTML.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import MarkdownIt from 'markdown-it';
import { CardsResponseSchema, type Card } from '../src/cds-hooks/card.js';

/** What the renderer reads of a card (uuid and extension are not shown by clients). */
export type RenderableCard = Pick<Card, 'summary' | 'detail' | 'indicator' | 'source' | 'suggestions' | 'selectionBehavior' | 'overrideReasons' | 'links'>;

export interface RenderOptions {
  /** Page title (also the heading above the cards). */
  readonly title?: string;
  /** One line of context under the title, e.g. the patient banner. */
  readonly context?: string;
}

// ---------------------------------------------------------------------------------------------
// Escaping and markdown

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      default:
        return '&#39;';
    }
  });
}

/** Only these schemes become links; anything else (javascript:, data:, relative) stays text. */
function safeUrl(url: string): string | undefined {
  return /^(https?:\/\/|mailto:)/i.test(url.trim()) ? url.trim() : undefined;
}

/**
 * Card markdown → HTML by markdown-it (CommonMark + GFM tables), raw HTML off so card text is
 * escaped, with this page's habits: text escaped by escapeHtml above (apostrophes too), only
 * http(s)/mailto links become <a> (others keep their label as text), a soft line break is a space,
 * and no newlines inside a block (top-level blocks are joined by one newline).
 */
const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });
// every link parses, so a javascript: one is not left as literal "[label](url)" text; link_open decides
markdown.validateLink = () => true;
markdown.renderer.rules.text = (tokens, i) => escapeHtml(tokens[i]?.content ?? '');
markdown.renderer.rules.code_inline = (tokens, i) => `<code>${escapeHtml(tokens[i]?.content ?? '')}</code>`;
markdown.renderer.rules.softbreak = () => ' ';
markdown.renderer.rules.link_open = (tokens, i) => {
  const token = tokens[i];
  const href = safeUrl(token?.attrGet('href') ?? '');
  if (token !== undefined) token.meta = { dropped: href === undefined };
  return href === undefined ? '' : `<a href="${escapeHtml(href)}">`;
};
markdown.renderer.rules.link_close = (tokens, i) => {
  // links do not nest: the nearest link_open before is this link's
  for (let j = i - 1; j >= 0; j--) {
    const t = tokens[j];
    if (t?.type === 'link_open') return (t.meta as { dropped?: boolean } | null)?.dropped === true ? '' : '</a>';
  }
  return '</a>';
};

/** Block markdown (headings, paragraphs, lists, GFM tables) → HTML, every piece of text escaped. */
export function renderMarkdown(source: string): string {
  const tokens = markdown.parse(source, {});
  // markdown-it writes a newline after each block tag; keep only those ending a top-level block
  for (const t of tokens) if (!(t.level === 0 && t.nesting <= 0)) t.block = false;
  return markdown.renderer.render(tokens, markdown.options, {}).replace(/\n$/, '');
}

// ---------------------------------------------------------------------------------------------
// Cards → HTML

const INDICATOR_LABEL: Record<RenderableCard['indicator'], string> = { info: 'Info', warning: 'Warning', critical: 'Critical' };

function renderSource(source: RenderableCard['source']): string {
  const href = source.url === undefined ? undefined : safeUrl(source.url);
  const label = escapeHtml(source.label);
  return `<footer class="source">Source: ${href === undefined ? label : `<a href="${escapeHtml(href)}">${label}</a>`}</footer>`;
}

function renderCard(card: RenderableCard): string {
  const parts: string[] = [];
  parts.push(
    `<header><span class="badge">${INDICATOR_LABEL[card.indicator]}</span><h2 class="summary">${escapeHtml(card.summary)}</h2></header>`,
    `<div class="detail">${renderMarkdown(card.detail)}</div>`,
  );
  if (card.suggestions !== undefined && card.suggestions.length > 0) {
    const buttons = card.suggestions
      .map((s) => {
        const what = (s.actions ?? []).map((a) => a.description).join('; ');
        return `<button type="button" class="suggestion${s.isRecommended === true ? ' recommended' : ''}"${what === '' ? '' : ` title="${escapeHtml(what)}"`}>${escapeHtml(s.label)}</button>`;
      })
      .join('');
    parts.push(`<div class="suggestions">${buttons}</div>`);
  }
  if (card.links !== undefined && card.links.length > 0) {
    const links = card.links.map((l) => {
      const href = safeUrl(l.url);
      return href === undefined ? `<span class="link">${escapeHtml(l.label)}</span>` : `<a class="link" href="${escapeHtml(href)}">${escapeHtml(l.label)} ↗</a>`;
    });
    parts.push(`<div class="links">${links.join('')}</div>`);
  }
  if (card.overrideReasons !== undefined && card.overrideReasons.length > 0) {
    const options = card.overrideReasons.map((r) => `<option value="${escapeHtml(r.code)}">${escapeHtml(r.display)}</option>`).join('');
    parts.push(
      `<div class="override"><label>Override reason <select><option value="" selected>Select a reason…</option>${options}</select></label><button type="button" class="dismiss">Dismiss</button></div>`,
    );
  }
  parts.push(renderSource(card.source));
  return `<article class="card card-${card.indicator}"><div class="card-body">${parts.join('\n')}</div></article>`;
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;background:#eef1f4;color:#1f2933;font:14px/1.45 "Segoe UI","Helvetica Neue",Arial,"Liberation Sans","DejaVu Sans",sans-serif}
.panel{max-width:940px;margin:0 auto;padding:20px 24px}
.panel>h1{font-size:17px;font-weight:600;margin:0 0 2px;color:#102a43}
.context{margin:0 0 16px;color:#52606d;font-size:13px}
.card{background:#fff;border:1px solid #d3d9de;border-left:6px solid #1c75bc;border-radius:4px;margin:0 0 16px;box-shadow:0 1px 2px rgba(16,42,67,.08)}
.card:last-child{margin-bottom:0}
.card-warning{border-left-color:#e8a317}
.card-critical{border-left-color:#c62828}
.card-body{padding:12px 18px 10px}
.card header{display:flex;align-items:baseline;gap:10px;margin-bottom:6px}
.badge{flex:none;font-size:11px;font-weight:700;letter-spacing:.04em;text-transform:uppercase;padding:2px 7px;border-radius:3px;color:#fff;background:#1c75bc}
.card-warning .badge{background:#b7791f}
.card-critical .badge{background:#c62828}
.summary{font-size:15px;font-weight:700;margin:0;line-height:1.35}
.detail{color:#323f4b}
.detail p{margin:6px 0}
.detail ul,.detail ol{margin:4px 0 8px;padding-left:22px}
.detail li{margin:2px 0}
.detail h1,.detail h2,.detail h3,.detail h4,.detail h5,.detail h6{font-size:14px;margin:10px 0 4px}
.detail table{border-collapse:collapse;margin:6px 0 10px;font-size:13.5px}
.detail th,.detail td{border:1px solid #d3d9de;padding:4px 10px;text-align:left;vertical-align:top}
.detail thead th{background:#f3f5f7}
.detail tbody td:first-child{font-weight:600;color:#3e4c59;white-space:nowrap}
.detail em{color:#52606d}
.detail code{font:12.5px/1.3 Menlo,Consolas,"DejaVu Sans Mono",monospace;background:#f3f5f7;padding:1px 4px;border-radius:3px}
a{color:#1565c0}
.suggestions,.links{display:flex;flex-wrap:wrap;gap:8px;margin:10px 0 4px}
button{font:inherit;font-size:13px;border-radius:4px;padding:5px 12px;cursor:pointer}
.suggestion{background:#fff;color:#1565c0;border:1px solid #1565c0;font-weight:600}
.suggestion.recommended{background:#1565c0;color:#fff}
.override{display:flex;align-items:center;gap:10px;margin:10px 0 2px;padding-top:10px;border-top:1px dashed #d3d9de;font-size:13px;color:#52606d}
.override select{font:inherit;margin-left:6px;padding:3px 6px;border:1px solid #9aa5b1;border-radius:3px;background:#fff;color:#1f2933}
.dismiss{background:#fff;color:#52606d;border:1px solid #9aa5b1}
.source{margin-top:10px;font-size:12px;color:#7b8794}
.empty{color:#52606d;font-style:italic}
`;

/** A self-contained HTML page (no scripts, no external resources) showing the cards in order. */
export function renderCardsHtml(cards: readonly RenderableCard[], options: RenderOptions = {}): string {
  const title = options.title ?? 'Clinical decision support';
  const body = cards.length === 0 ? '<p class="empty">No guidance for this patient.</p>' : cards.map(renderCard).join('\n');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body><main class="panel">',
    `<h1>${escapeHtml(title)}</h1>`,
    options.context === undefined ? '' : `<p class="context">${escapeHtml(options.context)}</p>`,
    body,
    '</main></body></html>',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Cards → GitHub markdown (docs/cards.md)

/** Plain text safe inside markdown: markdown punctuation and HTML brackets neutralised. */
function mdText(text: string): string {
  return text.replace(/[\\`*_[\]|#]/g, '\\$&').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Each card as a blockquote: indicator + summary, the detail markdown as sent, then actions and source. */
export function renderCardsMarkdown(cards: readonly RenderableCard[]): string {
  return cards
    .map((card, n) => {
      const lines = [`**${String(n + 1)}. ${INDICATOR_LABEL[card.indicator].toUpperCase()} · ${mdText(card.summary)}**`, '', ...card.detail.split('\n'), ''];
      for (const s of card.suggestions ?? []) lines.push(`▸ Suggestion: _${mdText(s.label)}_  `);
      for (const l of card.links ?? []) lines.push(`▸ Link: ${mdText(l.label)} (${mdText(l.url)})  `);
      if (card.overrideReasons !== undefined) lines.push(`▸ Override reasons: ${card.overrideReasons.map((r) => mdText(r.display)).join(' · ')}  `);
      lines.push(`<sub>Source: ${mdText(card.source.label)}${card.source.url === undefined ? '' : ` · ${mdText(card.source.url)}`}</sub>`);
      return lines.map((l) => (l === '' ? '>' : `> ${l}`)).join('\n');
    })
    .join('\n\n');
}

// ---------------------------------------------------------------------------------------------
// CLI

interface PatientLike {
  readonly name?: readonly { readonly given?: readonly string[]; readonly family?: string }[];
  readonly gender?: string;
  readonly birthDate?: string;
}

/** "Daniel Synthetic · born 1982-04-17 (44 y) · male · patient-view · 2026-11-21", from a hook request's prefetch or a Bundle's Patient. */
export function patientBanner(request: unknown, now: Date, hookName?: string): string | undefined {
  if (typeof request !== 'object' || request === null) return undefined;
  const r = request as { hook?: unknown; prefetch?: { patient?: PatientLike }; resourceType?: unknown; entry?: { resource?: PatientLike & { resourceType?: string } }[] };
  const p = r.prefetch?.patient ?? (r.resourceType === 'Bundle' ? r.entry?.find((e) => e.resource?.resourceType === 'Patient')?.resource : undefined);
  if (p === undefined) return undefined;
  const name = p.name?.[0];
  const parts = [[...(name?.given ?? []), name?.family ?? ''].join(' ').trim()];
  if (p.birthDate !== undefined) {
    const born = new Date(`${p.birthDate}T00:00:00Z`);
    let age = now.getUTCFullYear() - born.getUTCFullYear();
    if (now.getUTCMonth() < born.getUTCMonth() || (now.getUTCMonth() === born.getUTCMonth() && now.getUTCDate() < born.getUTCDate())) age--;
    parts.push(`born ${p.birthDate} (${String(age)} y)`);
  }
  if (p.gender !== undefined) parts.push(p.gender);
  parts.push(`${hookName ?? (typeof r.hook === 'string' ? r.hook : 'hook')} · ${now.toISOString().slice(0, 10)}`);
  return parts.filter((x) => x !== '').join(' · ');
}

function argValue(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

const NOW = new Date('2026-11-21T09:00:00Z');

async function main(args: readonly string[]): Promise<void> {
  const { buildApp } = await import('../src/app.js');
  const { testConfig } = await import('../src/config.js');
  const flags = new Set(['--out']);
  const requestFile = args.find((a, i) => !a.startsWith('--') && !flags.has(args[i - 1] ?? '')) ?? 'examples/patient-view.json';
  const out = argValue(args, '--out') ?? 'docs/img/patient-view-cards.html';

  const requestText = readFileSync(requestFile, 'utf8');
  const request: unknown = JSON.parse(requestText);
  const hook = typeof request === 'object' && request !== null && 'hook' in request ? request.hook : undefined;
  const service = hook === 'order-sign' ? 'onfh-order-sign' : 'onfh-patient-view';

  const app = await buildApp(testConfig(), { now: () => NOW });
  try {
    const res = await app.inject({ method: 'POST', url: `/cds-services/${service}`, headers: { 'content-type': 'application/json' }, payload: requestText });
    if (res.statusCode !== 200) throw new Error(`POST /cds-services/${service} answered ${String(res.statusCode)}: ${res.body}`);
    const { cards } = CardsResponseSchema.parse(JSON.parse(res.body));
    const context = patientBanner(request, NOW);
    writeFileSync(out, renderCardsHtml(cards, { title: 'ONFH decision support', ...(context === undefined ? {} : { context }) }));
    process.stdout.write(`wrote ${out} (${String(cards.length)} cards)\n`);
  } finally {
    await app.close();
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main(process.argv.slice(2));
}
