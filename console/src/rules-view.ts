/** Rules browser (`rule-sets`): every loaded rule set, each rule with its citation and basis, its cases; search. */
import { api, ApiError } from './api.js';
import { clear, h, uid } from './dom.js';

export interface RuleEntry {
  path: string;
  label: string;
  source: string;
  basis: string | null;
  why: string | null;
  modality: string | null;
  stages: string[];
  codes: string[];
  content: unknown;
}
export interface RuleSet {
  id: string;
  version: string;
  status: 'draft' | 'active' | 'retired';
  kind: string;
  sha256: string;
  source: { document: string; section: string };
  file: string;
  folder: string;
  title: string | null;
  description: string | null;
  rules: RuleEntry[];
}
export interface RuleCase {
  file: string;
  folder: string;
  fires: boolean;
  description: string;
  spec: string;
  now: string | null;
  expect: unknown;
}
export interface RuleSetContent {
  ruleSets: RuleSet[];
  cases: RuleCase[];
}

interface Options {
  cached: RuleSetContent | null;
  remember: (c: RuleSetContent) => void;
  onAuthLost: () => void;
}

type Field = 'any' | 'modality' | 'stage' | 'code';

function matches(rule: RuleEntry, field: Field, q: string): boolean {
  if (q === '') return true;
  const has = (xs: readonly (string | null)[]): boolean => xs.some((x) => x !== null && x.toLowerCase().includes(q));
  const exact = (xs: readonly string[]): boolean => xs.some((x) => x.toLowerCase() === q);
  switch (field) {
    case 'modality':
      return has([rule.modality]);
    case 'stage':
      return exact(rule.stages);
    case 'code':
      return has(rule.codes);
    case 'any':
      return has([rule.modality, rule.label, rule.source, ...rule.codes]) || exact(rule.stages);
  }
}

/** A <details> whose JSON is drawn when first opened (hundreds of rules and cases stay light until read). */
function lazyJson(label: string, value: unknown): HTMLElement {
  const pre = h('pre', {});
  const details = h('details', {}, h('summary', {}, label), pre);
  details.addEventListener('toggle', () => {
    if (details.open && pre.textContent === '') pre.textContent = JSON.stringify(value, null, 2);
  });
  return details;
}

function ruleItem(rule: RuleEntry): HTMLElement {
  const interpretation = rule.basis === 'interpretation';
  return h(
    'li', { class: interpretation ? 'rule interpretation' : 'rule', 'data-testid': 'rule' },
    h('div', { class: 'rule-head' },
      h('strong', {}, rule.label),
      interpretation ? h('span', { class: 'badge interpretation-badge' }, 'interpretation') : rule.basis ? h('span', { class: 'badge' }, rule.basis) : null,
    ),
    h('p', { class: 'citation' }, h('span', { class: 'muted' }, 'Source: '), rule.source),
    rule.why ? h('p', { class: 'why' }, h('span', { class: 'muted' }, 'Why: '), rule.why) : null,
    rule.modality || rule.stages.length || rule.codes.length
      ? h('p', { class: 'tags muted' },
          rule.modality ? `modality ${rule.modality}` : null,
          rule.stages.length ? ` · stages ${rule.stages.join(', ')}` : null,
          rule.codes.length ? ` · codes ${rule.codes.slice(0, 8).join(', ')}${rule.codes.length > 8 ? ' …' : ''}` : null)
      : null,
    lazyJson(`As written (${rule.path})`, rule.content),
  );
}

function caseList(cases: readonly RuleCase[]): HTMLElement {
  return h(
    'details', { class: 'cases' },
    h('summary', {}, `Cases (${cases.length})`),
    h('ul', {}, ...cases.map((c) =>
      h('li', {},
        h('span', { class: c.fires ? 'badge fires' : 'badge' }, c.fires ? 'fires' : 'does not fire'), ' ',
        h('code', {}, c.file), c.now ? h('span', { class: 'muted' }, ` (now ${c.now})`) : null,
        h('p', {}, c.description),
        c.spec ? h('p', { class: 'muted' }, c.spec) : null,
        lazyJson('Expected', c.expect),
      ))),
  );
}

function render(root: HTMLElement, content: RuleSetContent): void {
  const searchId = uid('rule-search');
  const fieldId = uid('rule-field');
  const search = h('input', { id: searchId, type: 'search', placeholder: 'e.g. eswt, IIa, M87.05', 'data-testid': 'rule-search' });
  const field = h('select', { id: fieldId, 'data-testid': 'rule-field' },
    h('option', { value: 'any' }, 'anything'), h('option', { value: 'modality' }, 'modality'),
    h('option', { value: 'stage' }, 'stage'), h('option', { value: 'code' }, 'code'));
  const count = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
  const list = h('div', { 'data-testid': 'rule-sets', class: 'rule-sets' });
  const byFolder = new Map<string, RuleCase[]>();
  for (const c of content.cases) byFolder.set(c.folder, [...(byFolder.get(c.folder) ?? []), c]);
  const folders = new Set(content.ruleSets.map((s) => s.folder));

  const draw = (): void => {
    const q = search.value.trim().toLowerCase();
    const f = field.value as Field;
    let shown = 0;
    const sets = content.ruleSets.map((set) => {
      const rules = set.rules.filter((r) => matches(r, f, q));
      shown += rules.length;
      if (q !== '' && rules.length === 0) return null;
      const interpretations = set.rules.filter((r) => r.basis === 'interpretation').length;
      return h(
        'article', { class: `rule-set status-${set.status}`, 'data-testid': 'rule-set', 'data-rule-set': set.id },
        h('h3', {}, set.title ?? set.id, ' ', h('span', { class: 'muted' }, `${set.id} ${set.version}`)),
        h('dl', { class: 'facts' },
          h('dt', {}, 'Version'), h('dd', {}, set.version),
          h('dt', {}, 'Status'), h('dd', {}, h('span', { class: `badge status-${set.status}` }, set.status)),
          h('dt', {}, 'Source'), h('dd', {}, `${set.source.document}, ${set.source.section}`),
          h('dt', {}, 'File'), h('dd', {}, h('code', {}, set.file)),
          h('dt', {}, 'SHA-256'), h('dd', {}, h('code', { class: 'sha' }, set.sha256)),
          h('dt', {}, 'Rules'), h('dd', {}, `${set.rules.length}${interpretations ? ` (${interpretations} interpretation${interpretations === 1 ? '' : 's'})` : ''}`),
        ),
        set.description ? h('p', {}, set.description) : null,
        // Collapsed until asked for (21 files, hundreds of rules); open while a search narrows them.
        rules.length
          ? h('details', { class: 'rules-box', open: q !== '' },
              h('summary', {}, q === '' ? `Rules (${rules.length})` : `Matching rules (${rules.length} of ${set.rules.length})`),
              h('ul', { class: 'rules' }, ...rules.map(ruleItem)))
          : h('p', { class: 'muted' }, 'No rule with a citation in this file.'),
        q === '' && byFolder.has(set.folder) ? caseList(byFolder.get(set.folder) ?? []) : null,
      );
    });
    const orphanCases = [...byFolder.entries()].filter(([folder]) => !folders.has(folder));
    clear(list, ...sets,
      q === '' && orphanCases.length
        ? h('article', { class: 'rule-set' }, h('h3', {}, 'Cases of folders without a rule file'),
            ...orphanCases.map(([folder, cases]) => h('section', {}, h('h4', {}, folder), caseList(cases))))
        : null);
    count.textContent = q === ''
      ? `${content.ruleSets.length} rule sets, ${content.ruleSets.reduce((n, s) => n + s.rules.length, 0)} rules, ${content.cases.length} cases`
      : `${shown} rule${shown === 1 ? '' : 's'} match "${search.value.trim()}"`;
  };
  search.addEventListener('input', draw);
  field.addEventListener('change', draw);
  clear(root,
    h('h2', {}, 'Rules'),
    h('div', { class: 'toolbar', role: 'search' },
      h('label', { for: searchId }, 'Search'), search,
      h('label', { for: fieldId }, 'in'), field),
    count, list);
  draw();
}

export async function showRules(root: HTMLElement, options: Options): Promise<void> {
  if (options.cached) {
    render(root, options.cached);
    return;
  }
  clear(root, h('p', { role: 'status' }, 'Loading the rule sets …'));
  try {
    const content = await api<RuleSetContent>('GET', '/admin/api/rule-sets');
    options.remember(content);
    render(root, content);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) options.onAuthLost();
    else clear(root, h('p', { class: 'error', role: 'alert' }, `The rule sets could not be read: ${(e as Error).message}`));
  }
}
