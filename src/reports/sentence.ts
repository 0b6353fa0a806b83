/**
 * One normalized sentence → what it says about each hip (clinical-spec.md section 12): the
 * findings it names, each with its side (clause, then sentence), certainty (a negation or
 * uncertainty trigger whose scope reaches it, bounded by the clause) and value (mm, %,
 * small/medium/large, ARCO stage). Every word list is the language's lexicon (rules/reports/).
 */
import type { CompiledReportLexicon, Tag, TermHit } from '../rules/report-lexicon-types.js';
import type { ReportFindingId, SideWord } from '../vocabulary/index.js';
import type { Certainty } from '../vocabulary/index.js';

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

const MAX_FINDINGS = 40;

type Hit<T extends Tag['type'] = Tag['type']> = TermHit & { readonly tag: Extract<Tag, { type: T }> };

const is = <T extends Tag['type']>(type: T) => (h: TermHit): h is Hit<T> => h.tag.type === type;

/** Positions where a trigger's scope ends: `;` `:`, scope-end terms, and commas that do not continue a list. */
function scopeBreaks(text: string, hits: readonly TermHit[], commaContinuesList: boolean): number[] {
  const breaks: number[] = [];
  for (const h of hits) if (h.tag.type === 'scope-end') breaks.push(h.start);
  let k = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    // Not ':': "Bone marrow edema: none" is one clause (headings and "Right hip:" labels are cut off before).
    if (c === ';') breaks.push(i);
    else if (c === ',' && !commaContinuesList) breaks.push(i);
    else if (c === ',') {
      // "no fracture, collapse or effusion": a list goes on when the next item opens with a joiner or a finding.
      let j = i + 1;
      while (text[j] === ' ') j++;
      while (k < hits.length && (hits[k]?.start ?? 0) < j) k++;
      const next = hits[k];
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
  /** Hits a trigger's scope runs through (all but scope ends), in order. */
  private readonly links: readonly TermHit[];
  private readonly sides: readonly Hit<'side'>[];
  private numbersCache: ReturnType<CompiledReportLexicon['numbers']> | null = null;
  private readonly hasPriorStudy: boolean;

  constructor(
    private readonly text: string,
    private readonly hits: readonly TermHit[],
    private readonly lex: CompiledReportLexicon,
    /** A study of another site ("MR Knee"): a finding is about the hip only when the sentence names it. */
    private readonly siteRequired = false,
    /** The heading above names the hip ("Left femoral head:"): the sentence is about it unless it names another site. */
    private readonly headingNamesHip = false,
  ) {
    this.scope = scopeBreaks(text, hits, lex.commaContinuesList);
    this.sideSplit = sideBreaks(text, hits);
    this.links = hits.filter((h) => h.tag.type !== 'scope-end');
    this.sides = this.hipSideWords();
    this.hasPriorStudy = hits.some((h) => h.tag.type === 'prior-study');
  }

  private numbers(): ReturnType<CompiledReportLexicon['numbers']> {
    return (this.numbersCache ??= this.lex.numbers(this.text));
  }

  /**
   * The certainty at `at`: the nearest trigger whose scope reaches it. A trigger before reaches
   * forward, one after reaches back, within the clause, across at most `scopeWindow` characters
   * between one term and the next on the way ("no effusion, edema or collapse"). The nearest
   * trigger each way decides: a farther one's scope runs through the same gaps.
   */
  certaintyAt(at: { start: number; end: number }): Certainty {
    const [s, e] = segment(this.scope, at.start, this.text.length);
    const window = this.lex.scopeWindow;
    const links = this.links;
    let pre: { d: number; c: Certainty } | null = null;
    let edge = at.start;
    for (let k = links.length - 1; k >= 0; k--) {
      const h = links[k];
      if (h === undefined || h.end > at.start) continue;
      if (h.start < s || edge - h.end > window) break;
      if ((h.tag.type === 'negation' || h.tag.type === 'uncertainty') && h.tag.before) {
        pre = { d: at.start - h.end, c: h.tag.type === 'negation' ? 'negated' : 'uncertain' };
        break;
      }
      edge = h.start;
    }
    let post: { d: number; c: Certainty } | null = null;
    edge = at.end;
    for (let k = 0; k < links.length; k++) {
      const h = links[k];
      if (h === undefined || h.start < at.end) continue;
      if (h.end > e || h.start - edge > window) break;
      // A trigger that reads both ways ("?") looks back only when nothing it could govern follows it in the clause.
      if ((h.tag.type === 'negation' || h.tag.type === 'uncertainty') && h.tag.after && !(h.tag.before && this.findingBetween(k + 1, e))) {
        post = { d: h.start - at.end, c: h.tag.type === 'negation' ? 'negated' : 'uncertain' };
        break;
      }
      edge = h.end;
    }
    const best = pre === null ? post : post === null ? pre : post.d < pre.d || (post.d === pre.d && post.c === 'negated') ? post : pre;
    return best?.c ?? 'affirmed';
  }

  /** Whether a finding starts among links[from…] before `end`. */
  private findingBetween(from: number, end: number): boolean {
    for (let k = from; k < this.links.length; k++) {
      const x = this.links[k];
      if (x === undefined || x.end > end) return false;
      if (x.tag.type === 'finding') return true;
    }
    return false;
  }

  /** A side word naming another bone or joint ("both distal femora", "right humeral head") is not a hip's side. */
  private hipSideWords(): Hit<'side'>[] {
    const sites = this.hits.filter((h) => h.tag.type === 'hip-site' || h.tag.type === 'distractor' || (h.tag.type === 'finding' && h.tag.anchored));
    let k = 0;
    return this.hits.filter(is('side')).filter((sw) => {
      while (k < sites.length && (sites[k]?.start ?? 0) < sw.end) k++;
      const next = sites[k];
      return next === undefined || next.tag.type !== 'distractor' || next.start - sw.end > 24;
    });
  }

  /**
   * Sides for a term at `at`: the side words of its own clause (the nearest one when they differ,
   * "AVN of the right femoral head and edema of the left femoral neck", unless they stand together,
   * "left and the right"), else the nearest in the sentence (before, then after).
   */
  sidesAt(at: { start: number; end: number }): SideWord[] {
    const sides = this.sides;
    if (sides.length === 0) return [];
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
    let nearestDistractor = Infinity;
    let nearestSite = Infinity;
    let siteInClause = false;
    const [s, e] = segment(this.sideSplit, f.start, this.text.length);
    for (const h of this.hits) {
      const t = h.tag;
      if (t.type === 'distractor' && (t.findings === null || t.findings.includes(f.tag.finding))) nearestDistractor = Math.min(nearestDistractor, distance(h, f));
      else if (t.type === 'hip-site' || (t.type === 'finding' && t.anchored)) {
        nearestSite = Math.min(nearestSite, distance(h, f));
        // "osteonecrosis involving both distal femora ... and the right femoral head": a hip in its clause keeps it.
        siteInClause ||= h.start >= s && h.end <= e;
      }
    }
    if (this.headingNamesHip) nearestSite = Math.min(nearestSite, f.start);
    if (this.siteRequired && nearestSite === Infinity) return true;
    return nearestDistractor < nearestSite && !siteInClause;
  }

  private aboutPriorStudy(at: { start: number }): boolean {
    if (!this.hasPriorStudy) return false;
    const [s, e] = segment(this.scope, at.start, this.text.length);
    return this.hits.some((h) => h.tag.type === 'prior-study' && h.start >= s && h.end <= e);
  }

  /** The mm value nearest a collapse term, within depthWindow characters. */
  private depthNear(f: TermHit): number | undefined {
    let best: { d: number; v: number } | null = null;
    for (const n of this.numbers()) {
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
    for (const n of this.numbers()) if (n.unit === 'percent') candidates.push({ at: n, value: n.value });
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

  namesAnySide(): boolean {
    return this.sides.length > 0;
  }

  /** The one hip side this sentence names ("left", "right"), or null (none, both, or more than one). */
  namedSide(): 'left' | 'right' | null {
    const named = new Set(this.sides.map((h) => h.tag.side));
    const [only] = named;
    return named.size === 1 && (only === 'left' || only === 'right') ? only : null;
  }

  read(): SentenceReading {
    const findings: SentenceFinding[] = [];
    // A sentence naming more findings than any report sentence does is not a sentence: read its first ones only.
    for (const f of this.hits.filter(is('finding')).slice(0, MAX_FINDINGS)) {
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
