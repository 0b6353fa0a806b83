/**
 * Cards as plain text, the way an EHR lays them out (design.md 8, `onfh-cds cards`): indicator
 * and summary, the detail with its markdown read (bold, italics and table rules dropped, table
 * rows as aligned columns), suggestions, links, override reasons and the source. Pure.
 */
import type { Card } from '../cds-hooks/card.js';

const INDICATOR: Readonly<Record<Card['indicator'], string>> = { info: 'INFO', warning: 'WARNING', critical: 'CRITICAL' };

/** Inline markdown → text: **bold**, _italics_, `code`, [label](url) → "label <url>". */
function inlineText(line: string): string {
  return line
    .replace(/\*\*(.+?)\*\*/g, '$1')
    .replace(/(^|[\s(])_(.+?)_(?=$|[\s).,;:])/g, '$1$2')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '$1 <$2>');
}

const cellsOf = (row: string): string[] => row.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => inlineText(c.trim()));

/** A markdown table → rows of columns padded to the widest cell. */
function tableText(rows: readonly string[]): string[] {
  const table = rows.filter((r) => !/^\s*\|?\s*:?-{2,}/.test(r)).map(cellsOf);
  const widths: number[] = [];
  for (const row of table) row.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length); });
  return table.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

/** A card's markdown detail as text lines. */
export function detailText(markdown: string): string[] {
  const lines = markdown.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim().startsWith('|')) {
      const rows: string[] = [];
      while (i < lines.length && (lines[i] ?? '').trim().startsWith('|')) rows.push(lines[i++] ?? '');
      i--;
      out.push(...tableText(rows));
    } else {
      out.push(inlineText(line.replace(/^#{1,6}\s+/, '')));
    }
  }
  return out;
}

/** Every card of a response, numbered, most urgent first as the service sent them. */
export function cardsText(cards: readonly Card[]): string {
  if (cards.length === 0) return 'No cards (the service says nothing for this patient and hook).';
  const blocks = cards.map((card, n) => {
    const head = `${String(n + 1)}. [${INDICATOR[card.indicator]}] ${card.summary}`;
    const body = card.detail.length > 0 ? detailText(card.detail).map((l) => (l === '' ? '' : `   ${l}`)) : [];
    const tail: string[] = [];
    for (const s of card.suggestions ?? []) tail.push(`   > ${s.label}${s.isRecommended === true ? ' (recommended)' : ''}`);
    for (const l of card.links ?? []) tail.push(`   Link: ${l.label} <${l.url}>`);
    if (card.overrideReasons !== undefined && card.overrideReasons.length > 0) {
      tail.push(`   Override reasons: ${card.overrideReasons.map((r) => r.display).join(' · ')}`);
    }
    tail.push(`   Source: ${card.source.label}${card.source.url === undefined ? '' : ` <${card.source.url}>`}`);
    return [head, ...body, '', ...tail].join('\n');
  });
  return blocks.join('\n\n');
}
