/** A CDS Hooks card drawn as an EHR draws it: indicator colour, summary, source, markdown detail, suggestions, links. */
import MarkdownIt from 'markdown-it';
import { h } from './dom.js';

export interface Card {
  uuid?: string;
  summary: string;
  detail?: string;
  indicator: 'info' | 'warning' | 'critical';
  source: { label: string; url?: string };
  suggestions?: { uuid?: string; label: string; isRecommended?: boolean; actions?: { type: string; description?: string }[] }[];
  selectionBehavior?: string;
  overrideReasons?: { code: string; system?: string; display?: string }[];
  links?: { label: string; url: string; type: string }[];
}

// html: false → any HTML in a detail is shown as text, never parsed; markdown-it also refuses
// javascript:, vbscript:, file: and data: (except images) link targets.
const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
const defaultLink = md.renderer.rules.link_open ?? ((tokens, idx, opts, _env, self) => self.renderToken(tokens, idx, opts));
md.renderer.rules.link_open = (tokens, idx, opts, env, self) => {
  const token = tokens[idx];
  if (token) {
    token.attrSet('target', '_blank');
    token.attrSet('rel', 'noopener noreferrer');
  }
  return defaultLink(tokens, idx, opts, env, self);
};

/** Markdown → sanitised HTML (no raw HTML passes; see above). */
export function renderMarkdown(text: string): string {
  return md.render(text);
}

const INDICATOR_LABEL = { info: 'Info', warning: 'Warning', critical: 'Critical' } as const;

/** Only http(s) links open (a card is data from the service, but drawn as an EHR would: defensively). */
const safeUrl = (url: string): string | null => (/^https?:\/\//i.test(url) ? url : null);

export function drawCard(card: Card): HTMLElement {
  const detail = h('div', { class: 'card-detail' });
  // Safe: markdown-it with html disabled renders no raw HTML (renderMarkdown).
  detail.innerHTML = renderMarkdown(card.detail ?? '');
  const sourceUrl = card.source.url ? safeUrl(card.source.url) : null;
  return h(
    'article', { class: `card indicator-${card.indicator}`, 'data-testid': 'card', 'data-indicator': card.indicator },
    h('header', { class: 'card-head' },
      h('span', { class: `indicator indicator-${card.indicator}` }, INDICATOR_LABEL[card.indicator]),
      h('h4', { class: 'card-summary' }, card.summary)),
    detail,
    card.suggestions?.length
      ? h('div', { class: 'suggestions' },
          h('p', { class: 'muted' }, card.selectionBehavior === 'at-most-one' ? 'Suggestions (choose at most one):' : 'Suggestions:'),
          h('ul', {}, ...card.suggestions.map((s) =>
            h('li', { class: s.isRecommended ? 'suggestion recommended' : 'suggestion' },
              h('strong', {}, s.label),
              s.actions?.length ? h('span', { class: 'muted' }, ` — ${s.actions.map((a) => `${a.type}${a.description ? `: ${a.description}` : ''}`).join('; ')}`) : null))))
      : null,
    card.overrideReasons?.length
      ? h('p', { class: 'override-reasons' }, h('span', { class: 'muted' }, 'Override reasons: '), card.overrideReasons.map((r) => r.display ?? r.code).join(' · '))
      : null,
    card.links?.length
      ? h('ul', { class: 'card-links' }, ...card.links.map((l) => {
          const url = safeUrl(l.url);
          return h('li', {}, url ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, l.label) : `${l.label} (${l.type})`, l.type === 'smart' ? h('span', { class: 'muted' }, ' (SMART app)') : null);
        }))
      : null,
    h('footer', { class: 'card-source muted' }, 'Source: ', sourceUrl ? h('a', { href: sourceUrl, target: '_blank', rel: 'noopener noreferrer' }, card.source.label) : card.source.label),
  );
}
