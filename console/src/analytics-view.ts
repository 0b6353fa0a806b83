/**
 * Override analytics (`override-chart`): cards shown / accepted / overridden over time per rule
 * set, and the override reasons, from GET /admin/api/feedback-summary (design.md section 6).
 * The summary has no per-day figures, so "over time" asks it once per day (per week beyond 62
 * days) of the range, a few requests at a time; the whole range is asked once for the reasons.
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Title, Tooltip } from 'chart.js';
import { api, ApiError } from './api.js';
import { clear, h, uid } from './dom.js';

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, CategoryScale, LinearScale, Legend, Title, Tooltip);

export interface RuleSummary {
  rule: string;
  version: string;
  shown: number;
  accepted: number;
  overridden: number;
  reasons: Record<string, number>;
}
export interface FeedbackSummary {
  from: string;
  to: string;
  totals: { shown: number; accepted: number; overridden: number };
  rules: RuleSummary[];
}

const DAY_MS = 86_400_000;
const iso = (t: number): string => new Date(t).toISOString().slice(0, 10);
const parse = (d: string): number => Date.parse(`${d}T00:00:00Z`);

/** The windows of [from, to] (inclusive dates): days, or weeks when the range is longer than 62 days. */
export function windows(from: string, to: string): { from: string; to: string }[] {
  const step = (parse(to) - parse(from)) / DAY_MS + 1 > 62 ? 7 : 1;
  const out: { from: string; to: string }[] = [];
  for (let t = parse(from); t <= parse(to); t += step * DAY_MS) out.push({ from: iso(t), to: iso(Math.min(t + (step - 1) * DAY_MS, parse(to))) });
  return out;
}

async function inBatches<T, R>(items: readonly T[], size: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

const summary = (w: { from: string; to: string }): Promise<FeedbackSummary> =>
  api<FeedbackSummary>('GET', `/admin/api/feedback-summary?from=${w.from}&to=${w.to}`);

/** CSV of the per-window figures: one row per window and rule set (RFC 4180 quoting). */
export function toCsv(series: readonly FeedbackSummary[], total: FeedbackSummary): string {
  const q = (v: string | number): string => (typeof v === 'number' || !/[",\n]/.test(v) ? String(v) : `"${v.replace(/"/g, '""')}"`);
  const reasons = [...new Set(total.rules.flatMap((r) => Object.keys(r.reasons)))].sort();
  const rows = [['from', 'to', 'rule', 'version', 'shown', 'accepted', 'overridden', ...reasons.map((r) => `reason:${r}`)]];
  for (const s of series) for (const r of s.rules) rows.push([s.from, s.to, r.rule, r.version, r.shown, r.accepted, r.overridden, ...reasons.map((k) => r.reasons[k] ?? 0)].map(String));
  return rows.map((row) => row.map(q).join(',')).join('\r\n') + '\r\n';
}

const COLOURS = { shown: '#1f5fa8', accepted: '#2e7d32', overridden: '#b3261e' } as const;

export async function showAnalytics(root: HTMLElement, options: { onAuthLost: () => void }): Promise<void> {
  const fromId = uid('from');
  const toId = uid('to');
  const ruleId = uid('rule');
  const today = iso(Date.now());
  const from = h('input', { id: fromId, type: 'date', value: iso(Date.now() - 29 * DAY_MS), 'data-testid': 'analytics-from' });
  const to = h('input', { id: toId, type: 'date', value: today, 'data-testid': 'analytics-to' });
  const rule = h('select', { id: ruleId, 'data-testid': 'analytics-rule' }, h('option', { value: '' }, 'all rule sets'));
  const show = h('button', { type: 'button', 'data-testid': 'analytics-show' }, 'Show');
  const csv = h('button', { type: 'button', class: 'secondary', disabled: true, 'data-testid': 'analytics-csv' }, 'Download CSV');
  const message = h('div', { role: 'alert', class: 'alert-slot', 'data-testid': 'analytics-error' });
  const status = h('p', { role: 'status', class: 'muted' });
  const lineCanvas = h('canvas', { role: 'img', 'aria-label': 'Cards shown, accepted and overridden over time' });
  const barCanvas = h('canvas', { role: 'img', 'aria-label': 'Override reasons in the range' });
  const table = h('div', {});
  const perWindow = h('div', {});
  const charts: Chart[] = [];
  let data: { series: FeedbackSummary[]; total: FeedbackSummary } | null = null;

  const draw = (): void => {
    for (const c of charts.splice(0)) c.destroy();
    if (!data) return;
    const pick = rule.value;
    const of = (s: FeedbackSummary): { shown: number; accepted: number; overridden: number } =>
      pick === '' ? s.totals : s.rules.filter((r) => r.rule === pick).reduce((a, r) => ({ shown: a.shown + r.shown, accepted: a.accepted + r.accepted, overridden: a.overridden + r.overridden }), { shown: 0, accepted: 0, overridden: 0 });
    const labels = data.series.map((s) => (s.from === s.to ? s.from : `${s.from}…${s.to}`));
    charts.push(new Chart(lineCanvas, {
      type: 'line',
      data: {
        labels,
        datasets: (['shown', 'accepted', 'overridden'] as const).map((k) => ({ label: k, data: data?.series.map((s) => of(s)[k]) ?? [], borderColor: COLOURS[k], backgroundColor: COLOURS[k], tension: 0.2 })),
      },
      options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { title: { display: true, text: `Cards over time: ${pick || 'all rule sets'}` } } },
    }));
    // A card counts once for every rule set behind it, so rule sets' reasons do not add up: for all
    // rule sets, each reason's count is the largest of any one rule set (the summary has no total reasons).
    const reasons = new Map<string, number>();
    for (const r of data.total.rules) if (pick === '' || r.rule === pick) for (const [k, n] of Object.entries(r.reasons)) reasons.set(k, Math.max(reasons.get(k) ?? 0, n));
    clear(perWindow, h('details', { 'data-testid': 'analytics-series' },
      h('summary', {}, 'Figures of the chart'),
      h('table', { 'data-testid': 'analytics-days' },
        h('caption', {}, `Cards over time: ${pick || 'all rule sets'}`),
        h('thead', {}, h('tr', {}, ...['Window', 'Shown', 'Accepted', 'Overridden'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, ...data.series.map((s, i) => {
          const n = of(s);
          return h('tr', {}, h('th', { scope: 'row' }, labels[i] ?? ''), h('td', {}, n.shown), h('td', {}, n.accepted), h('td', {}, n.overridden));
        })))));
    const sorted = [...reasons.entries()].sort((a, b) => b[1] - a[1]);
    perWindow.querySelector('details')?.append(h('table', { 'data-testid': 'analytics-reasons' },
      h('caption', {}, `Override reasons, ${data.total.from} to ${data.total.to}: ${pick || 'all rule sets (most of any rule set)'}`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Reason'), h('th', { scope: 'col' }, 'Overrides'))),
      h('tbody', {}, ...sorted.map(([k, n]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, n))))));
    charts.push(new Chart(barCanvas, {
      type: 'bar',
      data: { labels: sorted.map(([k]) => k), datasets: [{ label: 'overrides', data: sorted.map(([, n]) => n), backgroundColor: COLOURS.overridden }] },
      options: { animation: false, indexAxis: 'y', responsive: true, maintainAspectRatio: false, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { title: { display: true, text: sorted.length ? (pick ? `Override reasons: ${pick}` : 'Override reasons (most of any rule set)') : 'Override reasons: none in the range' } } },
    }));
    clear(table, h('table', { 'data-testid': 'analytics-table' },
      h('caption', {}, `Per rule set, ${data.total.from} to ${data.total.to}`),
      h('thead', {}, h('tr', {}, ...['Rule set', 'Version', 'Shown', 'Accepted', 'Overridden', 'Override rate'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ...data.total.rules.map((r) =>
        h('tr', {}, h('td', {}, r.rule), h('td', {}, r.version), h('td', {}, r.shown), h('td', {}, r.accepted), h('td', {}, r.overridden),
          h('td', {}, r.accepted + r.overridden ? `${Math.round((100 * r.overridden) / (r.accepted + r.overridden))} %` : '—')))),
      h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, 'All'), h('td', {}, ''), h('td', {}, data.total.totals.shown), h('td', {}, data.total.totals.accepted), h('td', {}, data.total.totals.overridden), h('td', {}, '')))));
  };

  const load = async (): Promise<void> => {
    clear(message);
    if (!from.value || !to.value || from.value > to.value) {
      clear(message, h('p', { class: 'error' }, 'Choose a range: "from" on or before "to".'));
      return;
    }
    show.disabled = true;
    csv.disabled = true;
    status.textContent = 'Loading …';
    try {
      const ws = windows(from.value, to.value);
      const [total, ...series] = await inBatches([{ from: from.value, to: to.value }, ...ws], 4, summary);
      if (!total) return;
      data = { total, series };
      const chosen = rule.value;
      clear(rule, h('option', { value: '' }, 'all rule sets'), ...[...new Set(total.rules.map((r) => r.rule))].sort().map((id) => h('option', { value: id, selected: id === chosen }, id)));
      status.textContent = `${total.totals.shown} cards shown, ${total.totals.accepted} accepted, ${total.totals.overridden} overridden, ${total.from} to ${total.to} (${ws.length} ${ws[0] && ws[0].from !== ws[0].to ? 'weeks' : 'days'})`;
      csv.disabled = false;
      draw();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        options.onAuthLost();
        return;
      }
      status.textContent = '';
      clear(message, h('p', { class: 'error' }, `The feedback summary could not be read: ${(e as Error).message}`));
    } finally {
      show.disabled = false;
    }
  };

  show.addEventListener('click', () => void load());
  rule.addEventListener('change', draw);
  csv.addEventListener('click', () => {
    if (!data) return;
    const url = URL.createObjectURL(new Blob([toCsv(data.series, data.total)], { type: 'text/csv' }));
    const a = h('a', { href: url, download: `override-analytics_${data.total.from}_${data.total.to}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => { URL.revokeObjectURL(url); }, 1000);
  });

  clear(root,
    h('h2', {}, 'Override analytics'),
    h('div', { class: 'toolbar' },
      h('label', { for: fromId }, 'From'), from, h('label', { for: toId }, 'To'), to,
      h('label', { for: ruleId }, 'Rule set'), rule, show, csv),
    message, status,
    h('div', { 'data-testid': 'override-chart', class: 'charts' },
      h('div', { class: 'chart-box' }, lineCanvas),
      h('div', { class: 'chart-box' }, barCanvas)),
    perWindow, table);
  await load();
}
