/**
 * Report text → sentences, in one pass over the characters (no regular expression that could
 * backtrack). A line break ends a sentence unless the line was only wrapped (no closing
 * punctuation and the next line starts in lower case); a full stop ends one when white space
 * follows and the word before it is not an abbreviation; 。！；; ! always end one. A question mark
 * does not: in a report it asks about a finding ("?AVN", "edema ? early AVN"), it rarely ends one.
 */

export interface Sentence {
  /** As written, trimmed. */
  readonly text: string;
  /** First sentence after a blank line (or of the text). */
  readonly paragraphStart: boolean;
  /** First sentence of its line. */
  readonly lineStart: boolean;
}

/** Longest sentence kept whole; longer runs are cut into pieces of this size. */
const MAX_SENTENCE = 600;
const ALWAYS_END = new Set(['。', '！', '；', ';', '!']);
const CLOSING = new Set([...ALWAYS_END, '.', ':', '：', ',', '，', '?', '？']);

function wrappedLines(text: string): { line: string; paragraphStart: boolean }[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out: { line: string; paragraphStart: boolean }[] = [];
  let blank = true;
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') {
      blank = true;
      continue;
    }
    const prev = out.at(-1);
    const first = line.charCodeAt(0);
    const continues = prev !== undefined && !blank && !CLOSING.has(prev.line.at(-1) ?? '') && first >= 97 && first <= 122;
    if (continues) prev.line = `${prev.line} ${line}`;
    else out.push({ line, paragraphStart: blank });
    blank = false;
  }
  return out;
}

/** The word just before position `i` (letters and dots), lower case. */
function wordBefore(line: string, i: number): string {
  let j = i;
  while (j > 0 && /[A-Za-z.]/.test(line[j - 1] ?? '')) j--;
  return line.slice(j, i).toLowerCase();
}

export function splitSentences(text: string, isAbbreviation: (word: string) => boolean): Sentence[] {
  const out: Sentence[] = [];
  for (const { line, paragraphStart } of wrappedLines(text)) {
    let start = 0;
    let first = true;
    const push = (end: number): void => {
      const piece = line.slice(start, end).trim();
      start = end;
      if (piece === '') return;
      for (let k = 0; k < piece.length; k += MAX_SENTENCE) {
        out.push({ text: piece.slice(k, k + MAX_SENTENCE), paragraphStart: paragraphStart && first, lineStart: first });
        first = false;
      }
    };
    for (let i = 0; i < line.length; i++) {
      const code = line.charCodeAt(i);
      // Only . ! ; and CJK punctuation can end a sentence: every other character is passed at once.
      if (code !== 46 && code !== 33 && code !== 59 && code < 0x3000) continue;
      const c = line[i] ?? '';
      if (ALWAYS_END.has(c)) push(i + 1);
      else if (c === '.') {
        const next = line[i + 1];
        if (next !== undefined && next !== ' ' && next !== '\t') continue; // 3.5 mm, e.g.
        const word = wordBefore(line, i);
        if (word !== '' && isAbbreviation(word.replace(/^\.+/, ''))) continue;
        push(i + 1);
      }
    }
    push(line.length);
  }
  return out;
}
