/**
 * Literal terms in one character trie, scanned leftmost-longest in O(text × longest term). Used by
 * the report lexicons (kinds/report-lexicon.ts): no regular expression is built from rule-file
 * words, so nothing a rule file holds can make the reader backtrack.
 */
const isAlnum = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 48 && c <= 57);

interface TrieNode {
  readonly next: Map<number, TrieNode>;
  tags: readonly unknown[] | null;
}

/**
 * Every term in one character trie, scanned leftmost-longest in O(text × longest term): no
 * regular expression, so no backtracking whatever a rule file holds. A term starting or ending
 * with a letter or digit only matches at a word edge; in English a term ending in a letter also
 * matches its plural ("effusions").
 */
export function termScanner<T>(byTerm: ReadonlyMap<string, readonly T[]>, plural: boolean): (text: string) => { start: number; end: number; tag: T }[] {
  const root: TrieNode = { next: new Map(), tags: null };
  for (const [term, tags] of byTerm) {
    let node = root;
    for (let i = 0; i < term.length; i++) {
      const c = term.charCodeAt(i);
      let child = node.next.get(c);
      if (!child) node.next.set(c, (child = { next: new Map(), tags: null }));
      node = child;
    }
    node.tags = tags;
  }
  const edgeAt = (text: string, j: number): boolean => j >= text.length || !isAlnum(text.charCodeAt(j));
  return (text) => {
    const hits: { start: number; end: number; tag: T }[] = [];
    let i = 0;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      // A letter or digit right after another starts no term (terms that start so need a word edge).
      if (i > 0 && isAlnum(c) && isAlnum(text.charCodeAt(i - 1))) {
        i++;
        continue;
      }
      let node: TrieNode | undefined = root;
      let best: { end: number; tags: readonly unknown[] } | null = null;
      for (let j = i; j < text.length && node; j++) {
        node = node.next.get(text.charCodeAt(j));
        if (!node?.tags) continue;
        const last = text.charCodeAt(j);
        const end = j + 1;
        if (!isAlnum(last)) best = { end, tags: node.tags };
        else if (edgeAt(text, end)) best = { end, tags: node.tags };
        else if (plural && last >= 97 && last <= 122) {
          if (text[end] === 's' && edgeAt(text, end + 1)) best = { end: end + 1, tags: node.tags };
          else if (text[end] === 'e' && text[end + 1] === 's' && edgeAt(text, end + 2)) best = { end: end + 2, tags: node.tags };
        }
      }
      if (best === null) {
        i++;
        continue;
      }
      for (const tag of best.tags) hits.push({ start: i, end: best.end, tag: tag as T });
      i = best.end;
    }
    return hits;
  };
}

