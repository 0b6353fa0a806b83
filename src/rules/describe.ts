/**
 * A rule file as a reader sees it (GET /rules/{id}, design.md section 8): every rule in it with
 * its citation (`source`) and its `basis`, found by walking the file, so every kind (and a site's
 * own value-set files) is described the same way without a describer per kind. Pure.
 */

export interface DescribedRule {
  /** JSON path of the rule in its file, e.g. "$.modalities[14].contraindications[1]". */
  readonly path: string;
  /** What the rule is about, in the file's own words ("eswt: pregnancy"). */
  readonly rule: string;
  /** Where it comes from (the rule's `source`, else the nearest one above it). */
  readonly citation: string;
  /** "source" (as cited), "interpretation" or "secondary source". */
  readonly basis: string;
  /** One sentence: why this interpretation. */
  readonly why?: string;
}

type Json = Record<string, unknown>;
const isRecord = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Keys that name a rule, most specific first. */
const NAME_KEYS = ['modality', 'name', 'check', 'id', 'stage', 'code', 'prefix', 'range', 'value'] as const;
/** Keys that say what a rule does, in words. */
const TEXT_KEYS = ['reason', 'label', 'what', 'description', 'display', 'message', 'says'] as const;

function text(x: unknown): string | undefined {
  if (typeof x === 'string' && x.trim() !== '') return x.trim();
  if (typeof x === 'number') return String(x);
  if (Array.isArray(x) && x.every((v) => typeof v === 'string')) return x.join('–');
  return undefined;
}

function nameOf(o: Json): string | undefined {
  for (const k of NAME_KEYS) {
    const t = text(o[k]);
    if (t !== undefined) return t;
  }
  if (typeof o.months === 'number') return `every ${String(o.months)} months`;
  return undefined;
}

function wordsOf(o: Json): string | undefined {
  for (const k of TEXT_KEYS) {
    const t = text(o[k]);
    if (t !== undefined) return clipped(t);
  }
  const first: unknown = Array.isArray(o.reasons) ? o.reasons[0] : undefined;
  return isRecord(first) && typeof first.reason === 'string' ? clipped(first.reason) : undefined;
}

function clipped(t: string): string {
  return t.length > 240 ? `${t.slice(0, 237)}…` : t;
}

/** Every object below the file's header that carries a `source` or a `basis`, in file order. */
export function describeRules(file: unknown): DescribedRule[] {
  const out: DescribedRule[] = [];
  if (!isRecord(file)) return out;
  const fileSource = isRecord(file.source) ? [text(file.source.document), text(file.source.section)].filter(Boolean).join(' ') : '';
  const walk = (x: unknown, path: string, context: string | undefined, citation: string): void => {
    if (Array.isArray(x)) {
      x.forEach((v, i) => { walk(v, `${path}[${String(i)}]`, context, citation); });
      return;
    }
    if (!isRecord(x)) return;
    const own = nameOf(x);
    const here = own !== undefined && context !== undefined && own !== context ? `${context}: ${own}` : (own ?? context);
    const source = text(x.source) ?? citation;
    if (path !== '$' && (typeof x.source === 'string' || typeof x.basis === 'string')) {
      const words = wordsOf(x);
      const rule = [here, words].filter((s) => s !== undefined && s !== '').join(' — ') || (path.split('.').at(-1) ?? path);
      const basis = typeof x.basis === 'string' ? x.basis : 'source';
      const why = text(x.why);
      out.push(why === undefined ? { path, rule, citation: source, basis } : { path, rule, citation: source, basis, why });
    }
    for (const [k, v] of Object.entries(x)) {
      // logic is not a rule; the header's own source is the file's citation
      if (k === 'when' || k === 'value' || (path === '$' && k === 'source')) continue;
      if (typeof v === 'object' && v !== null) walk(v, `${path}.${k}`, path === '$' ? undefined : here, source);
    }
  };
  walk(file, '$', undefined, fileSource);
  return out;
}
