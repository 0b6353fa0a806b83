/**
 * One normalized sentence → what it says about each hip (clinical-spec.md section 12): the
 * findings it names, each with its side (clause, then sentence), certainty (a negation or
 * uncertainty trigger whose scope reaches it, bounded by the clause) and value (mm, %,
 * small/medium/large, ARCO stage). Every word list is the language's lexicon (rules/reports/).
 */
import type { CompiledReportLexicon, ReportFindingId, SideWord, Tag, TermHit } from '../rules/kinds/report-lexicon.js';
import type { Certainty } from './types.js';

export interface SentenceFinding {
  readonly finding: ReportFindingId;
  /** Sides named in the sentence for it (empty: the sentence names none). */
  readonly sides: readonly SideWord[];
  readonly certainty: Certainty;
  readonly value?: number | string;
}

export interface SentenceReading {
  readonly findings: readonly SentenceFinding[];
  /** Sides of a prosthesis mentioned as present (an empty list: one with no side). */
  readonly prostheses: readonly (readonly SideWord[])[];
}

type Hit<T extends Tag['type'] = Tag['type']> = TermHit & { readonly tag: Extract<Tag, { type: T }> };

const is = <T extends Tag['type']>(type: T) => (h: TermHit): h is Hit<T> => h.tag.type === type;

/** Positions where a trigger's scope ends: `;` `:`, scope-end terms, and commas that do not continue a list. */
function scopeBreaks(text: string, hits: readonly TermHit[]): number[] {
  const breaks: number[] = [];
  for (const h of hits) if (h.tag.type === 'scope-end') breaks.push(h.start);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    // Not ':': "Bone marrow edema: none" is one clause (headings and "Right hip:" labels are cut off before).
    if (c === ';') breaks.push(i);
    else if (c === ',') {
      // "no fracture, collapse or effusion": a list goes on when the next item opens with a joiner or a finding.
      let j = i + 1;
      while (text[j] === ' ') j++;
      const next = hits.find((h) => h.start >= j);
      const continues = next !== undefined && next.start - j <= 4 && (next.tag.type === 'list-joiner' || next.tag.type === 'finding');
      if (!continues) breaks.push(i);
    }
  }
  return breaks.sort((a, b) => a - b);
}

function sideBreaks(text: string, hits: readonly TermHit[]): number[] {
  const breaks: number[] = [];
  for (const h of hits) if (h.tag.type === 'scope-end') breaks.push(h.start);
  for (let i = 0; i < text.length; i++) if (text[i] === ',' || text[i] === ';' || text[i] === ':') breaks.push(i);
  return breaks.sort((a, b) => a - b);
}

/** The [start, end) of the segment holding `pos`, between breaks. */
function segment(breaks: readonly number[], pos: number, length: number): [number, number] {
  let start = 0;
  let end = length;
  for (const b of breaks) {
    if (b < pos) start = b;
    else {
      end = b;
      break;
    }
  }
  return [start, end];
}

const distance = (a: { start: number; end: number }, b: { start: number; end: number }): number =>
  a.end <= b.start ? b.start - a.end : b.end <= a.start ? a.start - b.end : 0;

export class SentenceReader {
  private readonly scope: number[];
  private readonly sideSplit: number[];

  constructor(
    private readonly text: string,
    private readonly hits: readonly TermHit[],
    private readonly lex: CompiledReportLexicon,
  ) {
    this.scope = scopeBreaks(text, hits);
    this.sideSplit = sideBreaks(text, hits);
  }

  /**
   * The certainty at `at`: the nearest trigger whose scope reaches it. A trigger before reaches
   * forward, one after reaches back, within the clause, and across at most `scopeWindow`
   * characters from the trigger or from the last term in the chain between them.
   */
  certaintyAt(at: { start: number; end: number }): Certainty {
    const [s, e] = segment(this.scope, at.start, this.text.length);
    let best: { d: number; c: Certainty } | null = null;
    const window = this.lex.scopeWindow;
    const inClause = this.hits.filter((h) => h.start >= s && h.end <= e && h.tag.type !== 'scope-end');
    for (const t of inClause) {
      if (t.tag.type !== 'negation' && t.tag.type !== 'uncertainty') continue;
      const c: Certainty = t.tag.type === 'negation' ? 'negated' : 'uncertain';
      let reaches = false;
      if (t.tag.before && t.end <= at.start) {
        let last = t.end;
        for (const h of inClause) {
          if (h.start < t.end || h.start > at.start) continue;
          if (h.start - last > window) break;
          last = h.end;
        }
        reaches = at.start - last <= window;
      } else if (t.tag.after && t.start >= at.end && !(t.tag.before && inClause.some((h) => h.start >= t.end && h.tag.type === 'finding'))) {
        // A trigger that reads both ways ("?") looks back only when nothing it could govern follows it.
        let last = t.start;
        for (let k = inClause.length - 1; k >= 0; k--) {
          const h = inClause[k];
          if (h === undefined || h.end > t.start || h.end < at.end) continue;
          if (last - h.end > window) break;
          last = h.start;
        }
        reaches = last - at.end <= window;
      }
      if (!reaches) continue;
      const d = distance(t, at);
      if (best === null || d < best.d || (d === best.d && c === 'negated')) best = { d, c };
    }
    return best?.c ?? 'affirmed';
  }

  /** A side word naming another bone or joint ("both distal femora", "right humeral head") is not a hip's side. */
  private hipSideWords(): Hit<'side'>[] {
    const sites = this.hits.filter((h) => h.tag.type === 'hip-site' || h.tag.type === 'distractor' || (h.tag.type === 'finding' && h.tag.anchored));
    return this.hits.filter(is('side')).filter((sw) => {
      const next = sites.find((h) => h.start >= sw.end);
      return next === undefined || next.tag.type !== 'distractor' || next.start - sw.end > 24;
    });
  }

  /**
   * Sides for a term at `at`: the side words of its own clause (the nearest one when they differ,
   * "AVN of the right femoral head and edema of the left femoral neck", unless they stand together,
   * "left and the right"), else the nearest in the sentence (before, then after).
   */
  sidesAt(at: { start: number; end: number }): SideWord[] {
    const sides = this.hipSideWords();
    const [s, e] = segment(this.sideSplit, at.start, this.text.length);
    let own = sides.filter((h) => h.start >= s && h.end <= e);
    if (new Set(own.map((h) => h.tag.side)).size > 1) {
      const nearest = own.reduce((b, h) => (distance(h, at) < distance(b, at) ? h : b));
      own = own.filter((h) => h === nearest || distance(h, nearest) <= 12);
    }
    if (own.length === 0) {
      const before = sides.filter((h) => h.end <= at.start).at(-1);
      const after = sides.find((h) => h.start >= at.end);
      const pick = before ?? after;
      own = pick ? [pick] : [];
    }
    const out = new Set<SideWord>();
    for (const h of own) out.add(h.tag.side);
    if (out.has('bilateral') || (out.has('left') && out.has('right'))) return ['left', 'right'];
    return [...out];
  }

  /** A site-neutral term ("effusion") next to another joint or bone ("knee effusion") is not about the hip. */
  private vetoedByDistractor(f: Hit<'finding'>): boolean {
    if (f.tag.anchored) return false;
    const distractors = this.hits.filter(is('distractor')).filter((d) => d.tag.findings === null || d.tag.findings.includes(f.tag.finding));
    if (distractors.length === 0) return false;
    const nearestDistractor = Math.min(...distractors.map((d) => distance(d, f)));
    const sites = this.hits.filter((h) => h.tag.type === 'hip-site' || (h.tag.type === 'finding' && h.tag.anchored));
    const nearestSite = sites.length === 0 ? Infinity : Math.min(...sites.map((h) => distance(h, f)));
    // "osteonecrosis involving both distal femora ... and the right femoral head": a hip in its clause keeps it.
    const [s, e] = segment(this.sideSplit, f.start, this.text.length);
    return nearestDistractor < nearestSite && !sites.some((h) => h.start >= s && h.end <= e);
  }

  private aboutPriorStudy(at: { start: number }): boolean {
    const [s, e] = segment(this.scope, at.start, this.text.length);
    return this.hits.some((h) => h.tag.type === 'prior-study' && h.start >= s && h.end <= e);
  }

  /** The mm value nearest a collapse term, within depthWindow characters. */
  private depthNear(f: TermHit): number | undefined {
    let best: { d: number; v: number } | null = null;
    for (const n of this.lex.numbers(this.text)) {
      if (n.unit !== 'mm') continue;
      const d = distance(n, f);
      if (d <= this.lex.depthWindow && (best === null || d < best.d)) best = { d, v: n.value };
    }
    return best?.v;
  }

  private necroticExtent(): SentenceFinding[] {
    // A size next to a stage ("ARCO 2 (medium)") is the lesion's size too.
    const contexts = this.hits.filter((h) => h.tag.type === 'extent-context' || h.tag.type === 'arco' || (h.tag.type === 'finding' && h.tag.finding === 'onfh'));
    if (contexts.length === 0) return [];
    const near = (at: { start: number; end: number }, list: readonly TermHit[]) => list.some((c) => distance(c, at) <= this.lex.extentWindow);
    const candidates: { at: { start: number; end: number }; value: number | string }[] = [];
    for (const n of this.lex.numbers(this.text)) if (n.unit === 'percent') candidates.push({ at: n, value: n.value });
    for (const h of this.hits.filter(is('fraction'))) candidates.push({ at: h, value: h.tag.percent });
    const findings = this.hits.filter(is('finding'));
    for (const h of this.hits.filter(is('size'))) {
      // "small joint effusion": a size word belongs to the nearest finding, which must be the necrosis.
      const nearestFinding = findings.reduce<TermHit | null>((b, f) => (b === null || distance(f, h) < distance(b, h) ? f : b), null);
      const nearestContext = contexts.reduce((b, c) => Math.min(b, distance(c, h)), Infinity);
      if (nearestFinding && nearestFinding.tag.type === 'finding' && nearestFinding.tag.finding !== 'onfh' && distance(nearestFinding, h) <= nearestContext) continue;
      candidates.push({ at: h, value: h.tag.size });
    }
    const out: SentenceFinding[] = [];
    for (const c of candidates.sort((a, b) => a.at.start - b.at.start)) {
      const reading = this.lex.extentReading(this.text, c.at);
      if (reading === 'bound' || reading === 'not-extent' || (reading === null && !near(c.at, contexts)) || this.aboutPriorStudy(c.at)) continue;
      // An extent is stated or doubted, never negated ("without collapse: right ARCO 2 (medium)").
      const certainty = this.certaintyAt(c.at) === 'uncertain' ? 'uncertain' : 'affirmed';
      out.push({ finding: 'necrotic-extent', sides: this.sidesAt(c.at), certainty, value: c.value });
    }
    return out;
  }

  private arcoStages(): SentenceFinding[] {
    const out: SentenceFinding[] = [];
    for (const a of this.hits.filter(is('arco'))) {
      const stage = this.lex.stageAfter(this.text, a.end);
      if (stage === null || this.aboutPriorStudy(a)) continue;
      const at = { start: a.start, end: stage.end };
      // A stage is stated or doubted, never negated: "no collapse (ARCO 3A)" does not deny the stage.
      const certainty = this.certaintyAt(at) === 'uncertain' ? 'uncertain' : 'affirmed';
      out.push({ finding: 'arco-stage', sides: this.sidesAt(at), certainty, value: stage.stage });
    }
    return out;
  }

  read(): SentenceReading {
    const findings: SentenceFinding[] = [];
    for (const f of this.hits.filter(is('finding'))) {
      if (this.vetoedByDistractor(f) || this.aboutPriorStudy(f)) continue;
      const certainty = this.certaintyAt(f);
      const depth = f.tag.finding === 'collapse-depth' && certainty !== 'negated' ? this.depthNear(f) : undefined;
      findings.push({ finding: f.tag.finding, sides: this.sidesAt(f), certainty, ...(depth !== undefined ? { value: depth } : {}) });
    }
    findings.push(...this.necroticExtent(), ...this.arcoStages());
    const prostheses = this.hits.filter(is('prosthesis')).filter((p) => this.certaintyAt(p) === 'affirmed' && !this.aboutPriorStudy(p)).map((p) => this.sidesAt(p));
    return { findings, prostheses };
  }
}
