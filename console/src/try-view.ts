/**
 * Try a patient (`try-bundle`, `try-run`): a pasted Bundle or a bundled example (a Bundle or a
 * CDS Hooks request) → the cards as an EHR draws them, the Assessment, a timeline per hip.
 * Errors are the service's own (its 400/413 OperationOutcome), shown in the page.
 */
import { api, ApiError } from './api.js';
import { drawCard, type Card } from './cards.js';
import { clear, h, uid } from './dom.js';
import { hipTimeline, type Hip } from './timeline.js';

// examples/*.json, each its own chunk, loaded when picked (the clients file is not a patient).
const EXAMPLES = import.meta.glob<string>(['../../examples/*.json', '!../../examples/cds-clients*.json'], { query: '?raw', import: 'default' });

type Json = Record<string, unknown>;
const isRecord = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

interface Assessment {
  patientId: string;
  evaluatedAt: string;
  inScope: boolean;
  rules: { id: string; version: string }[];
  hips: Hip[];
  conservativeCare: { indicated: boolean; reasons: string[] };
  dataGaps: { code: string; side?: string; message: string }[];
}

interface Attempt {
  hook: 'patient-view' | 'order-select' | 'order-sign';
  /** The Bundle to send; a string when the text is not JSON (the service says why). */
  bundle: unknown;
  draftOrders?: unknown;
  selections?: string[];
}

/** A CDS Hooks request → the Bundle of its prefetch resources (and its draft orders); anything else is sent as pasted. */
export function toAttempt(text: string): Attempt {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { hook: 'patient-view', bundle: text };
  }
  if (!isRecord(json) || typeof json.hook !== 'string' || !isRecord(json.prefetch)) return { hook: 'patient-view', bundle: json };
  const seen = new Set<string>();
  const entry: { resource: Json }[] = [];
  const add = (r: unknown): void => {
    if (!isRecord(r) || typeof r.resourceType !== 'string') return;
    if (r.resourceType === 'Bundle') {
      for (const e of Array.isArray(r.entry) ? (r.entry as unknown[]) : []) if (isRecord(e)) add(e.resource);
      return;
    }
    const key = `${r.resourceType}/${typeof r.id === 'string' ? r.id : String(entry.length)}`;
    if (seen.has(key)) return;
    seen.add(key);
    entry.push({ resource: r });
  };
  for (const v of Object.values(json.prefetch)) add(v);
  const context = isRecord(json.context) ? json.context : {};
  const hook = json.hook === 'order-select' || json.hook === 'order-sign' ? json.hook : 'patient-view';
  return {
    hook,
    bundle: { resourceType: 'Bundle', type: 'collection', entry },
    ...(context.draftOrders !== undefined ? { draftOrders: context.draftOrders } : {}),
    ...(Array.isArray(context.selections) ? { selections: context.selections.filter((s): s is string => typeof s === 'string') } : {}),
  };
}

function assessmentView(a: Assessment): HTMLElement {
  return h(
    'section', { class: 'assessment', 'data-testid': 'assessment', 'aria-labelledby': 'assessment-title' },
    h('h3', { id: 'assessment-title' }, 'Assessment'),
    h('p', {}, `Patient ${a.patientId}, evaluated at ${a.evaluatedAt}: `, a.inScope ? 'in scope' : 'out of scope (no ONFH condition): no cards', '.'),
    a.rules.length ? h('p', { class: 'muted' }, 'Rule sets: ', a.rules.map((r) => `${r.id} ${r.version}`).join(', ')) : null,
    ...a.hips.map((hip) =>
      h('section', { class: 'hip', 'data-testid': 'hip', 'data-side': hip.side },
        h('h4', {}, `${hip.side[0]?.toUpperCase() ?? ''}${hip.side.slice(1)} hip: ARCO ${hip.stage.arco ?? '—'}, Chinese ${hip.stage.chinese ?? '—'}`,
          hip.stage.source ? h('span', { class: 'muted' }, ` (${hip.stage.source})`) : null),
        hipTimeline(hip, a.evaluatedAt),
        h('table', {},
          h('caption', {}, `Modalities, ${hip.side} hip`),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Modality'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Evidence'), h('th', { scope: 'col' }, 'Source'))),
          h('tbody', {}, ...hip.recommendations.map((r) =>
            h('tr', { class: `status-${r.status}` }, h('td', {}, r.modality), h('td', {}, r.status), h('td', {}, `${r.evidence}${r.strength}`), h('td', {}, r.source))))),
      )),
    a.dataGaps.length
      ? h('section', {}, h('h4', {}, 'Data gaps'), h('ul', {}, ...a.dataGaps.map((g) => h('li', {}, h('code', {}, g.code), g.side ? ` (${g.side})` : '', `: ${g.message}`))))
      : null,
    h('details', {}, h('summary', {}, 'Assessment JSON'), h('pre', {}, JSON.stringify(a, null, 2))),
  );
}

export async function showTry(root: HTMLElement, options: { onAuthLost: () => void }): Promise<void> {
  const textId = uid('try-bundle');
  const exampleId = uid('try-example');
  const nowId = uid('try-now');
  const text = h('textarea', { id: textId, rows: 14, spellcheck: 'false', 'data-testid': 'try-bundle', placeholder: '{"resourceType": "Bundle", "type": "collection", "entry": [...]}' });
  const example = h('select', { id: exampleId, 'data-testid': 'try-example' },
    h('option', { value: '' }, '(paste your own)'),
    ...Object.keys(EXAMPLES).sort().map((path) => h('option', { value: path }, path.split('/').at(-1) ?? path)));
  const now = h('input', { id: nowId, type: 'date', 'data-testid': 'try-now' });
  const run = h('button', { type: 'button', 'data-testid': 'try-run' }, 'Run');
  const message = h('div', { role: 'alert', class: 'alert-slot', 'data-testid': 'try-error' });
  const out = h('div', { class: 'try-out', 'aria-live': 'polite' });

  example.addEventListener('change', () => {
    const load = EXAMPLES[example.value];
    if (!load) return;
    void load().then((raw) => {
      text.value = raw;
    });
  });

  run.addEventListener('click', () => {
    void (async () => {
      run.disabled = true;
      clear(message);
      clear(out, h('p', { role: 'status' }, 'Running …'));
      const attempt = toAttempt(text.value);
      const query = now.value ? `?now=${now.value}` : '';
      try {
        const assessment = await api<Assessment>('POST', `/assessment${query}`, attempt.bundle);
        const { cards } = await api<{ cards: Card[] }>('POST', '/admin/api/cards', {
          hook: attempt.hook, bundle: attempt.bundle, draftOrders: attempt.draftOrders, selections: attempt.selections,
          ...(now.value ? { now: now.value } : {}),
        });
        clear(out,
          h('section', { class: 'ehr', 'aria-labelledby': 'cards-title' },
            h('h3', { id: 'cards-title' }, `Cards (${attempt.hook}): ${cards.length}`),
            cards.length ? null : h('p', { class: 'muted' }, 'No card: the EHR shows nothing.'),
            ...cards.map(drawCard)),
          assessmentView(assessment));
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) {
          options.onAuthLost();
          return;
        }
        clear(out);
        const status = e instanceof ApiError && e.status > 0 ? ` (${e.status})` : '';
        clear(message, h('p', { class: 'error' }, `The service refused this input${status}: ${(e as Error).message}`));
      } finally {
        run.disabled = false;
      }
    })();
  });

  clear(root,
    h('h2', {}, 'Try a patient'),
    h('p', { class: 'help' }, 'Paste a FHIR Bundle of one patient (or a CDS Hooks request), or pick an example; the cards are drawn as an EHR shows them.'),
    h('div', { class: 'toolbar' },
      h('label', { for: exampleId }, 'Example'), example,
      h('label', { for: nowId }, 'Evaluate at'), now),
    h('label', { for: textId }, 'Bundle or hook request (JSON)'),
    text,
    h('div', { class: 'toolbar' }, run),
    message, out);
  return Promise.resolve();
}
