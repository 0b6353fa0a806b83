/** Small readers for the deployment files (no Docker engine here: the files are checked as text). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const repoPath = (rel: string): string => fileURLToPath(new URL(`../../${rel}`, import.meta.url));
export const readRepoFile = (rel: string): string => readFileSync(repoPath(rel), 'utf8');

export interface Instruction {
  readonly keyword: string; // upper-case, e.g. FROM
  readonly args: string;
  readonly stage: number; // index of the FROM it belongs to; -1 before the first FROM
}

/** Dockerfile → instructions, with comments dropped, `\` continuations joined and ARG defaults known. */
export function parseDockerfile(text: string): { instructions: Instruction[]; args: Record<string, string> } {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (current === '' && /^\s*#/.test(line)) continue;
    if (current !== '' && /^\s*#/.test(line)) continue; // comment lines inside a continuation are skipped too
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    current += line;
    if (current.trim() !== '') logical.push(current.trim());
    current = '';
  }
  const instructions: Instruction[] = [];
  const args: Record<string, string> = {};
  let stage = -1;
  for (const l of logical) {
    const m = /^(\S+)\s*(.*)$/s.exec(l);
    if (!m) continue;
    const keyword = (m[1] ?? '').toUpperCase();
    const rest = (m[2] ?? '').trim();
    if (keyword === 'FROM') stage += 1;
    if (keyword === 'ARG' && stage === -1) {
      const eq = rest.indexOf('=');
      if (eq > 0) args[rest.slice(0, eq)] = rest.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    }
    instructions.push({ keyword, args: rest, stage });
  }
  return { instructions, args };
}

/** ${NAME} / $NAME replaced with the global ARG defaults. */
export function expandArgs(value: string, args: Record<string, string>): string {
  return value.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a?: string, b?: string) => args[a ?? b ?? ''] ?? whole);
}

/**
 * Would `docker build` leave `path` out of the context? Docker's rule: patterns in order, the last
 * one matching the path or one of its parent folders wins; `!` re-includes; `*` does not cross `/`,
 * `**` does.
 */
export function dockerIgnores(patterns: readonly string[], path: string): boolean {
  const toRegExp = (pattern: string): RegExp => {
    let re = '';
    for (let i = 0; i < pattern.length; i += 1) {
      const c = pattern.charAt(i);
      if (c === '*' && pattern.charAt(i + 1) === '*') {
        re += '.*';
        i += 1;
        if (pattern.charAt(i + 1) === '/') i += 1;
      } else if (c === '*') re += '[^/]*';
      else if (c === '?') re += '[^/]';
      else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
    return new RegExp(`^${re}$`);
  };
  const parts = path.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = (negate ? raw.slice(1) : raw).replace(/^\/+/, '').replace(/\/+$/, '');
    const re = toRegExp(pattern);
    if (candidates.some((c) => re.test(c))) ignored = !negate;
  }
  return ignored;
}

export function dockerignorePatterns(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Every YAML document of a file, parsed; fails on any YAML error. */
export function yamlDocuments(rel: string): unknown[] {
  const docs = parseAllDocuments(readRepoFile(rel));
  const list = Array.isArray(docs) ? docs : [docs];
  return list.map((d) => {
    if (d.errors.length > 0) throw new Error(`${rel}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as unknown;
  });
}
