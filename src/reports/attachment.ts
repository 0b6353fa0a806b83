/**
 * The text of one FHIR Attachment (design.md sections 5 and 8): text/plain or text/html, inline
 * base64 `data`, within a character budget. Anything else (a PDF, an image, bytes that are not
 * text in their charset, base64 that is not base64) gives no text and a reason, never a throw.
 */
import { TextDecoder } from 'node:util';
import { compile } from 'html-to-text';

export type AttachmentResult =
  | { readonly ok: true; readonly text: string; readonly cut: number }
  | { readonly ok: false; readonly code: 'invalid-base64' | 'binary-content' | 'unsupported-charset' | 'url-not-read'; readonly message: string };

const TEXT_TYPES = new Set(['text/plain', 'text/html', 'application/xhtml+xml', 'text/markdown', 'text/x-markdown']);
const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** One converter for every report: links and images are not report text; no wrapping. */
const htmlConverter = compile({
  wordwrap: false,
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'script', format: 'skip' },
    // A table cell on its own line: a "Right hip" cell then reads as the heading of the cell after it.
    { selector: 'table', format: 'block' },
    { selector: 'tr', format: 'block' },
    { selector: 'th', format: 'block' },
    { selector: 'td', format: 'block' },
  ],
});

/** HTML → text, reading at most `budget * 2` characters of markup (tags take room too). */
export function htmlText(html: string, budget: number): { text: string; cut: number } {
  const input = html.length > budget * 2 ? html.slice(0, budget * 2) : html;
  const text = htmlConverter(input);
  const cut = html.length - input.length;
  return text.length > budget ? { text: text.slice(0, budget), cut: cut + text.length - budget } : { text, cut };
}

function parseContentType(value: unknown): { type: string | null; charset: string } {
  if (typeof value !== 'string' || value.trim() === '') return { type: null, charset: 'utf-8' };
  const [type = '', ...params] = value.split(';').map((p) => p.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='))?.slice(8).replace(/^"|"$/g, '') ?? 'utf-8';
  return { type, charset };
}

/** Bytes that hold a NUL or mostly control characters are not report text, whatever the label says. */
function looksBinary(text: string): boolean {
  if (text.includes('\u0000')) return true;
  let control = 0;
  const n = Math.min(text.length, 4096);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 && c !== 9 && c !== 10 && c !== 13) control++;
  }
  return n > 0 && control / n > 0.05;
}

function decode(bytes: Uint8Array, charset: string, truncated: boolean): { text: string } | { error: 'charset' | 'not-text' } {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    return { error: 'charset' };
  }
  // A cut may fall inside a multi-byte character: drop up to 3 trailing bytes before giving up.
  for (let drop = 0; drop <= (truncated ? 3 : 0); drop++) {
    try {
      return { text: decoder.decode(bytes.subarray(0, bytes.length - drop)) };
    } catch {
      // try one byte fewer
    }
  }
  return { error: 'not-text' };
}

/** The text of an attachment, at most `budget` characters (what was cut is counted). */
export function attachmentText(attachment: unknown, budget: number): AttachmentResult | null {
  if (typeof attachment !== 'object' || attachment === null) return null;
  const a = attachment as { contentType?: unknown; data?: unknown; url?: unknown };
  const { type, charset } = parseContentType(a.contentType);
  if (type !== null && !TEXT_TYPES.has(type)) {
    return { ok: false, code: 'binary-content', message: `attachment of type ${type.slice(0, 60)} is not read (text/plain or text/html only)` };
  }
  if (typeof a.data !== 'string') {
    if (typeof a.url === 'string') return { ok: false, code: 'url-not-read', message: 'attachment given by url only; its text is not in the record' };
    return null;
  }
  // Decode at most `budget` bytes (twice that of HTML, whose tags take room): 4 base64 characters are 3 bytes.
  const wanted = Math.ceil((budget * (type !== null && HTML_TYPES.has(type) ? 2 : 1) * 4) / 3 / 4) * 4;
  const head = a.data.length > wanted + 1024 ? a.data.slice(0, wanted + 1024) : a.data;
  const compact = head.replace(/\s+/g, '');
  const truncated = head.length < a.data.length;
  const usable = truncated ? compact.slice(0, compact.length - (compact.length % 4)) : compact;
  if (usable.length % 4 !== 0 || !BASE64.test(usable)) {
    return { ok: false, code: 'invalid-base64', message: 'attachment data is not valid base64' };
  }
  const bytes = Buffer.from(usable, 'base64');
  const result = decode(bytes, charset, truncated);
  if ('error' in result && result.error === 'charset') return { ok: false, code: 'unsupported-charset', message: `attachment charset ${charset.slice(0, 40)} is not supported` };
  const decoded = 'text' in result ? result.text : null;
  if (decoded === null || looksBinary(decoded)) return { ok: false, code: 'binary-content', message: `attachment bytes are not ${charset.slice(0, 40)} text` };
  const notRead = truncated ? Math.round(((a.data.length - head.length) * 3) / 4) : 0;
  const isHtml = type !== null ? HTML_TYPES.has(type) : /^\s*<(!doctype|html|body|div|p|table|h\d)\b/i.test(decoded.slice(0, 200));
  if (isHtml) {
    const { text, cut } = htmlText(decoded, budget);
    return { ok: true, text, cut: cut + notRead };
  }
  return decoded.length > budget ? { ok: true, text: decoded.slice(0, budget), cut: decoded.length - budget + notRead } : { ok: true, text: decoded, cut: notRead };
}
