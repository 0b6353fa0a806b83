/**
 * The governance console in a real browser (issue 21): Debian's chromium (playwright-core, no
 * browser download) against the real app on 127.0.0.1 and a free port, with the bundled rules.
 * Sign-in (right and wrong token), the three views, bad input, no console errors, an axe-core
 * scan of each view; a screenshot of each view goes to test-artifacts/console/.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { BUNDLED_RULES_DIR, testConfig } from '../../src/config.js';
import { ARTIFACTS, launchBrowser, seriousAxeViolations, type Browser } from './browser.js';

const TOKEN = 'console-browser-test-admin-token-0123456789';
interface FeedbackSummary {
  from: string;
  to: string;
  totals: { shown: number; accepted: number; overridden: number };
  rules: { rule: string; version: string; shown: number; accepted: number; overridden: number; reasons: Record<string, number> }[];
}
const example = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

let app: FastifyInstance;
let dataDir: string;
/** The service's clock: the analytics test moves it across days to record decisions on each. */
let clock = new Date('2026-11-21T10:00:00Z');
let base: string;
let browser: Browser;
let page: Page;
/** Console errors and page errors, with the HTTP statuses a test expects the browser to report. */
const errors: string[] = [];
let expectedStatuses: number[] = [];
const requestUrls: string[] = [];

async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function screenshot(name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function attributes(list: Locator, name: string): Promise<(string | null)[]> {
  return Promise.all((await list.all()).map((l) => l.getAttribute(name)));
}

async function openView(label: string): Promise<void> {
  await page.getByRole('button', { name: label, exact: true }).click();
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'onfh-console-store-'));
  // The real decision store (PGlite in a fresh folder): the analytics view reads what it recorded.
  app = await buildApp(testConfig({ ADMIN_TOKEN: TOKEN, RULES_DIR: BUNDLED_RULES_DIR, DATA_DIR: dataDir }), { store: { flushIntervalMs: 20 }, now: () => clock });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  base = `http://127.0.0.1:${address.port}`;
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const status = /status of (\d{3})/.exec(m.text());
    if (status && expectedStatuses.includes(Number(status[1]))) return;
    errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requestUrls.push(r.url()));
}, 120_000);

afterAll(async () => {
  await browser.close();
  await app.close();
  await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

// Browser steps are slow on a shared 2-core machine: generous per-test time, no timing asserted.
describe('governance console (chromium)', { timeout: 90_000 }, () => {
  it('refuses a wrong admin token with a clear message and shows no view', async () => {
    expectedStatuses = [401];
    await page.goto(`${base}/console/`);
    await page.getByTestId('admin-token').fill('not-the-admin-token-but-long-enough-000000');
    await page.getByTestId('sign-in').click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('That admin token was refused (401)');
    expect(await page.getByTestId('rule-sets').count()).toBe(0);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await screenshot('sign-in-refused');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expectedStatuses = [];
  });

  it('signs in with the admin token; the rules browser shows every loaded rule set with its rules, interpretations marked', async () => {
    await page.getByTestId('admin-token').fill(TOKEN);
    await page.getByTestId('sign-in').click();
    const list = page.getByTestId('rule-sets');
    await list.waitFor();

    const loaded = (await call('GET', '/rules')).json as { ruleSets: { id: string; version: string; sha256: string; status: string }[] };
    const shown = page.getByTestId('rule-set');
    expect(await shown.count()).toBe(loaded.ruleSets.length);
    for (const set of loaded.ruleSets) {
      const card = page.locator(`[data-rule-set="${set.id}"]`);
      const text = await card.locator('dl.facts').textContent();
      expect(text).toContain(set.version);
      expect(text).toContain(set.sha256);
      expect(text).toContain(set.status);
    }

    // Every rule the files mark "basis": "interpretation" stands out, with its why.
    const whys = new Set<string>();
    const walk = (node: unknown, root: boolean): void => {
      if (Array.isArray(node)) node.forEach((x) => { walk(x, false); });
      else if (typeof node === 'object' && node !== null) {
        const o = node as Record<string, unknown>;
        if (!root && o.basis === 'interpretation' && typeof o.source === 'string' && typeof o.why === 'string') whys.add(o.why);
        Object.values(o).forEach((x) => { walk(x, false); });
      }
    };
    for (const e of readdirSync(BUNDLED_RULES_DIR, { recursive: true, withFileTypes: true })) {
      const rel = join(e.parentPath, e.name).slice(BUNDLED_RULES_DIR.length);
      if (e.isFile() && e.name.endsWith('.json') && !/[/\\](cases|schema)[/\\]/.test(rel)) walk(JSON.parse(readFileSync(join(e.parentPath, e.name), 'utf8')), true);
    }
    expect(whys.size).toBeGreaterThan(0);
    const shownWhys = await page.locator('.rule.interpretation .why').allTextContents();
    expect(new Set(shownWhys.map((t) => t.replace(/^Why: /, '')))).toEqual(whys);
    expect(await page.locator('.rule.interpretation .interpretation-badge').count()).toBe(shownWhys.length);

    // Cases beside the rules: the staging folder's cases are listed under the staging rule sets.
    const stagingCases = readdirSync(join(BUNDLED_RULES_DIR, 'staging', 'cases')).length;
    expect(await page.locator('[data-rule-set="arco-2019"] .cases > summary').textContent()).toBe(`Cases (${stagingCases})`);

    await page.locator('[data-rule-set="arco-2019"] .rules-box > summary').click();
    await screenshot('rules');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(requestUrls.some((u) => u.includes(TOKEN))).toBe(false);
  });

  it('searches rules by modality, stage and code', async () => {
    await page.getByTestId('rule-field').selectOption('modality');
    await page.getByTestId('rule-search').fill('eswt');
    const tags = await page.locator('[data-testid=rule] .tags').allTextContents();
    expect(tags.length).toBeGreaterThan(0);
    for (const t of tags) expect(t).toContain('modality eswt');

    await page.getByTestId('rule-field').selectOption('stage');
    await page.getByTestId('rule-search').fill('3B');
    await expect.poll(() => page.locator('[data-rule-set="arco-2019"] [data-testid=rule] strong').allTextContents()).toContain('stage 3B');
    for (const t of await page.locator('[data-testid=rule] .tags').allTextContents()) expect(t).toMatch(/stages [^·]*\b3B\b/);

    await page.getByTestId('rule-field').selectOption('code');
    await page.getByTestId('rule-search').fill('M87.051');
    const codeSets = await attributes(page.getByTestId('rule-set'), 'data-rule-set');
    expect(codeSets).toContain('onfh-conditions');
    for (const t of await page.locator('[data-testid=rule] .tags').allTextContents()) expect(t).toContain('M87.051');
    await page.getByTestId('rule-search').fill('');
  });

  it('try a patient: an example Bundle → the cards as an EHR draws them, the Assessment and a timeline per hip', async () => {
    await openView('Try a patient');
    await page.getByTestId('try-example').selectOption({ label: 'assessment-bundle.json' });
    await expect.poll(() => page.getByTestId('try-bundle').inputValue()).toContain('"resourceType": "Bundle"');
    await page.getByTestId('try-now').fill('2026-11-21');
    await page.getByTestId('try-run').click();
    await page.getByTestId('assessment').waitFor();

    const bundle = example('assessment-bundle.json');
    const expected = (await call('POST', '/admin/api/cards', { bundle, now: '2026-11-21' })).json as { cards: { summary: string; indicator: string; detail: string }[] };
    const cards = page.getByTestId('card');
    expect(expected.cards.length).toBeGreaterThan(0);
    expect(await cards.locator('.card-summary').allTextContents()).toEqual(expected.cards.map((c) => c.summary));
    expect(await attributes(cards, 'data-indicator')).toEqual(expected.cards.map((c) => c.indicator));
    // Markdown drawn, not shown as markup: "**Right hip**" becomes bold text.
    const withBold = expected.cards.findIndex((c) => c.detail.includes('**'));
    expect(withBold).toBeGreaterThanOrEqual(0);
    const detail = cards.nth(withBold).locator('.card-detail');
    expect(await detail.locator('strong').count()).toBeGreaterThan(0);
    expect(await detail.textContent()).not.toContain('**');

    const assessment = (await call('POST', '/assessment?now=2026-11-21', bundle)).json as {
      hips: { side: string; stage: { arco: string; chinese: string; history?: { date: string; arco: string; chinese: string }[] }; followUp: { due: string; overdue: boolean; modality: string } }[];
    };
    for (const hip of assessment.hips) {
      const shown = page.locator(`[data-testid=hip][data-side="${hip.side}"]`);
      expect(await shown.locator('h4').first().textContent()).toContain(`ARCO ${hip.stage.arco}, Chinese ${hip.stage.chinese}`);
      const timeline = shown.getByTestId('hip-timeline');
      const history = hip.stage.history ?? [];
      expect(history.length).toBeGreaterThan(0);
      expect(await attributes(timeline.locator('g.study'), 'data-date')).toEqual(history.map((s) => s.date).sort());
      for (const s of history) expect(await timeline.locator(`g.study[data-date="${s.date}"] .stage-label`).textContent()).toBe(`ARCO ${s.arco} / ${s.chinese}`);
      expect(await timeline.locator('g.due .due-label').textContent()).toBe(`${hip.followUp.modality} due ${hip.followUp.due}${hip.followUp.overdue ? ' (overdue)' : ''}`);
    }
    await page.getByTestId('hip-timeline').first().screenshot({ path: join(ARTIFACTS, 'hip-timeline.png') });
    await screenshot('try-a-patient');
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it('try a patient: a CDS Hooks request example (order-sign) draws the hook’s warning cards with their override reasons', async () => {
    await page.getByTestId('try-example').selectOption({ label: 'order-sign-bisphosphonate.json' });
    await expect.poll(() => page.getByTestId('try-bundle').inputValue()).toContain('"hook": "order-sign"');
    await page.getByTestId('try-now').fill('');
    await page.getByTestId('try-run').click();
    await page.getByTestId('assessment').waitFor();
    // The same request through the real hook endpoint (AUTH_MODE=none in tests) is what an EHR would get.
    const res = await fetch(`${base}/cds-services/onfh-order-sign`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(example('order-sign-bisphosphonate.json')) });
    const hook = (await res.json()) as { cards: { summary: string; indicator: string; overrideReasons?: { display: string }[] }[] };
    const warning = hook.cards.find((c) => c.indicator !== 'info' && c.overrideReasons?.length);
    expect(warning).toBeDefined();
    expect(await page.getByTestId('card').locator('.card-summary').allTextContents()).toEqual(hook.cards.map((c) => c.summary));
    const drawn = page.getByTestId('card').filter({ hasText: warning?.summary ?? '' });
    expect(await drawn.getAttribute('class')).toContain(`indicator-${warning?.indicator ?? ''}`);
    for (const r of warning?.overrideReasons ?? []) expect(await drawn.locator('.override-reasons').textContent()).toContain(r.display);
  });

  it('draws card markdown safely: raw HTML stays text, javascript: links are not links', async () => {
    // No rule writes such a card, so the service's answer is replaced in the browser (page.route):
    // what is tested is the drawing, on the card text a compromised rule file could carry.
    const hostile = {
      cards: [{
        uuid: '00000000-0000-4000-8000-000000000001', summary: 'Hostile detail', indicator: 'critical',
        source: { label: 'hostile source', url: 'javascript:window.__pwned=4' },
        detail: '<img src=x onerror="window.__pwned=1"> **bold** [click](javascript:window.__pwned=2) <script>window.__pwned=3</script>',
        links: [{ label: 'hostile link', url: 'javascript:window.__pwned=5', type: 'absolute' }],
      }],
    };
    await page.route('**/admin/api/cards', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(hostile) }));
    await page.getByTestId('try-example').selectOption({ label: 'assessment-bundle.json' });
    await expect.poll(() => page.getByTestId('try-bundle').inputValue()).toContain('"resourceType": "Bundle"');
    await page.getByTestId('try-run').click();
    await expect.poll(() => page.getByTestId('card').locator('.card-summary').allTextContents()).toEqual(['Hostile detail']);
    const card = page.getByTestId('card');
    expect(await card.locator('img, script, [onerror]').count()).toBe(0);
    expect(await card.locator('.card-detail').textContent()).toContain('<img src=x onerror="window.__pwned=1">');
    expect(await card.locator('.card-detail strong').textContent()).toBe('bold');
    for (const href of await attributes(card.locator('a'), 'href')) expect(href ?? '').not.toMatch(/^\s*javascript:/i);
    expect(await card.locator('.card-links').textContent()).toContain('hostile link (absolute)');
    await card.getByText('click').first().click();
    expect(await page.evaluate('window.__pwned === undefined')).toBe(true);
    await page.unroute('**/admin/api/cards');
  });

  it('bad input: text that is not JSON, a 10 MB Bundle, two patients → the service’s message in the page; the next run still works', async () => {
    expectedStatuses = [400, 413];
    const alert = page.getByTestId('try-error');
    await page.getByTestId('try-bundle').fill('{"resourceType": "Bundle", oops');
    await page.getByTestId('try-run').click();
    await expect.poll(() => alert.textContent()).toMatch(/refused this input \(400\): body: is not valid JSON/);
    expect(await page.getByTestId('card').count()).toBe(0);

    const patient = { resourceType: 'Patient', id: 'big' };
    const filler = 'x'.repeat(1000);
    const entry: unknown[] = [{ resource: patient }];
    for (let i = 0; i < 10_500; i++) entry.push({ resource: { resourceType: 'Observation', id: `o${i}`, status: 'final', subject: { reference: 'Patient/big' }, code: { text: filler } } });
    const big = JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry });
    expect(big.length).toBeGreaterThan(10 * 1024 * 1024);
    await page.getByTestId('try-bundle').fill(big);
    await page.getByTestId('try-run').click();
    await expect.poll(() => alert.textContent(), { timeout: 30_000 }).toMatch(/refused this input \(413\)/);

    const two = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Patient', id: 'a' } }, { resource: { resourceType: 'Patient', id: 'b' } }] };
    await page.getByTestId('try-bundle').fill(JSON.stringify(two));
    await page.getByTestId('try-run').click();
    await expect.poll(() => alert.textContent()).toMatch(/refused this input \(400\): body: the Bundle holds 2 Patient resources \(a, b\)/);
    expectedStatuses = [];

    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    await page.getByTestId('try-example').selectOption({ label: 'patient-view.json' });
    await expect.poll(() => page.getByTestId('try-bundle').inputValue()).toContain('"hook": "patient-view"');
    await page.getByTestId('try-run').click();
    await page.getByTestId('assessment').waitFor();
    expect(await alert.textContent()).toBe('');
    expect(await page.getByTestId('card').count()).toBeGreaterThan(0);
  });

  it('override analytics: shown / accepted / overridden per day and per rule set, override reasons, CSV of the figures', async () => {
    // Hook calls and feedback on five days, more each day, through the real routes and store.
    interface HookCard { uuid: string; suggestions?: { uuid: string }[]; overrideReasons?: { system: string; code: string; display: string }[] }
    const template = readFileSync(new URL('../../examples/patient-view.json', import.meta.url), 'utf8');
    // The store opens in the background (503 until then).
    await expect.poll(async () => (await call('GET', '/admin/api/feedback-summary')).status, { timeout: 20_000 }).toBe(200);
    const days = ['2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20'];
    let cardsShown = 0;
    for (const [d, day] of days.entries()) {
      for (let p = 0; p <= d; p++) {
        clock = new Date(`${day}T09:${String(10 + p).padStart(2, '0')}:00Z`);
        // A patient of its own per call: an overridden card is not shown again to the same patient.
        const request = template.replaceAll('onfh-ex-1', `onfh-an-${d}-${p}`);
        const res = await fetch(`${base}/cds-services/onfh-patient-view`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: request });
        const { cards } = (await res.json()) as { cards: HookCard[] };
        expect(cards.length).toBeGreaterThan(0);
        cardsShown += cards.length;
        const feedback = cards.flatMap((c, i): unknown[] => {
          const outcomeTimestamp = clock.toISOString();
          const reason = c.overrideReasons?.[0];
          if ((i + p) % 2 === 0 && reason) return [{ card: c.uuid, outcome: 'overridden', overrideReason: { reason }, outcomeTimestamp }];
          const suggestion = c.suggestions?.[0];
          return suggestion ? [{ card: c.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: suggestion.uuid }], outcomeTimestamp }] : [];
        });
        if (feedback.length > 0) {
          const fb = await fetch(`${base}/cds-services/onfh-patient-view/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ feedback }) });
          expect(fb.status).toBe(200);
        }
      }
    }
    clock = new Date('2026-11-21T10:00:00Z');
    const summary = async (from: string, to: string): Promise<FeedbackSummary> => (await call('GET', `/admin/api/feedback-summary?from=${from}&to=${to}`)).json as FeedbackSummary;
    // Decisions are written off the request path: wait until the store holds them all.
    // (The seeded days only: the order-sign call above was recorded on 2026-11-21.)
    await expect.poll(async () => (await summary(days[0] ?? '', days.at(-1) ?? '')).totals.shown, { timeout: 20_000 }).toBe(cardsShown);
    const total = await summary('2026-11-15', '2026-11-21');
    expect(total.totals.overridden).toBeGreaterThan(0);
    expect(total.totals.accepted).toBeGreaterThan(0);
    const range = ['2026-11-15', ...days, '2026-11-21'];
    const perDay = await Promise.all(range.map((day) => summary(day, day)));

    await openView('Override analytics');
    await page.getByTestId('analytics-from').fill('2026-11-15');
    await page.getByTestId('analytics-to').fill('2026-11-21');
    await page.getByTestId('analytics-show').click();
    await expect.poll(() => page.locator('[data-testid=analytics-days] tbody tr').count()).toBe(range.length);
    await page.locator('[data-testid=analytics-series] > summary').click();
    const rows = async (): Promise<string[][]> =>
      Promise.all((await page.locator('[data-testid=analytics-days] tbody tr').all()).map(async (r) => (await r.locator('th, td').allTextContents())));
    expect(await rows()).toEqual(perDay.map((s, i) => [range[i], String(s.totals.shown), String(s.totals.accepted), String(s.totals.overridden)]));
    expect(new Set(perDay.map((s) => s.totals.shown)).size).toBeGreaterThan(2); // a line over time, not a flat one

    // Per rule set: the chart's figures are that rule set's.
    const ruleSet = total.rules.find((r) => r.overridden > 0) ?? total.rules[0];
    await page.getByTestId('analytics-rule').selectOption(ruleSet?.rule ?? '');
    const count = (s: FeedbackSummary, k: 'shown' | 'accepted' | 'overridden'): string => String(s.rules.filter((r) => r.rule === ruleSet?.rule).reduce((n, r) => n + r[k], 0));
    expect(await rows()).toEqual(perDay.map((s, i) => [range[i], count(s, 'shown'), count(s, 'accepted'), count(s, 'overridden')]));
    const reasonRows = await Promise.all((await page.locator('[data-testid=analytics-reasons] tbody tr').all()).map((r) => r.locator('th, td').allTextContents()));
    const ruleReasons = Object.entries(total.rules.filter((r) => r.rule === ruleSet?.rule).reduce<Record<string, number>>((a, r) => {
      for (const [k, n] of Object.entries(r.reasons)) a[k] = (a[k] ?? 0) + n;
      return a;
    }, {}));
    expect(ruleReasons.length).toBeGreaterThan(0);
    expect(reasonRows.sort()).toEqual(ruleReasons.map(([k, n]) => [k, String(n)]).sort());
    const tableRows = await page.getByTestId('analytics-table').locator('tbody tr').count();
    expect(tableRows).toBe(total.rules.length);
    const box = await page.getByTestId('override-chart').locator('canvas').first().boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(100);

    // CSV: one row per day and rule set, with the override reasons as columns.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('analytics-csv').click()]);
    const csv = (await readFile(await download.path(), 'utf8')).trim().split(/\r\n/).map((l) => l.split(','));
    const reasons = [...new Set(total.rules.flatMap((r) => Object.keys(r.reasons)))].sort();
    expect(reasons.length).toBeGreaterThan(0);
    expect(csv[0]).toEqual(['from', 'to', 'rule', 'version', 'shown', 'accepted', 'overridden', ...reasons.map((r) => `reason:${r}`)]);
    const expected = perDay.flatMap((s) => s.rules.map((r) => [s.from, s.to, r.rule, r.version, r.shown, r.accepted, r.overridden, ...reasons.map((k) => r.reasons[k] ?? 0)].map(String)));
    expect(csv.slice(1)).toEqual(expected);

    await page.getByTestId('analytics-rule').selectOption('');
    await screenshot('override-analytics');
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it('wrote no error to the browser console (CSP violations included)', () => {
    expect(errors).toEqual([]);
  });
});
