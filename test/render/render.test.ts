/**
 * scripts/render-cards.ts: the HTML page of cards escapes card text, renders the markdown subset the
 * cards use, and shows every card's summary and source label. The last test loads a page with
 * hostile card text in a real browser (headless chromium) when one is installed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCardsHtml, renderCardsMarkdown, renderMarkdown, type RenderableCard } from '../../scripts/render-cards.js';

const SOURCE = { label: 'Non-surgical ONFH guideline (2025) · rules 2025.1.0' };

const HOSTILE = '<script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'">';

const cards: RenderableCard[] = [
  {
    summary: 'Follow-up imaging overdue: radiographs due 2026-09-05',
    detail: '- **Right hip** (ARCO 2): last study 2026-06-05\n- _Left hip_: no ONFH\n\n_Study and interval: FAQ._',
    indicator: 'warning',
    source: SOURCE,
    suggestions: [{ label: 'Order radiographs of both hips', uuid: '6085d386-0f92-4d74-9107-55c25fe9cfe6' }],
    selectionBehavior: 'at-most-one',
    overrideReasons: [{ system: 'http://example.org/override', code: 'patient-declined', display: 'Patient declined imaging' }],
  },
  {
    summary: 'Right hip ONFH: ARCO 2 / Chinese IIb',
    detail: '| | Right hip |\n|---|:---:|\n| Stage | ARCO 2 |\n| Next imaging | **overdue** since 2026-09-05 |\n\n**Recommended** (strong)\n1. ESWT A1\n2. core decompression A1',
    indicator: 'info',
    source: { label: 'Second source', url: 'https://example.org/guideline' },
  },
  {
    summary: `Critical ${HOSTILE}`,
    detail: `# Heading ${HOSTILE}\n\n| a | b |\n|---|---|\n| ${HOSTILE} | [click](javascript:alert(1)) |\n\n- ${HOSTILE}`,
    indicator: 'critical',
    source: { label: `Source ${HOSTILE}`, url: 'javascript:alert(1)' },
    overrideReasons: [{ system: 'http://example.org/override', code: '"><script>x</script>', display: HOSTILE }],
  },
];

describe('renderCardsHtml', () => {
  const html = renderCardsHtml(cards, { title: 'ONFH <b>decision</b> support', context: HOSTILE });

  it('escapes <script> and other markup in summary, detail, source, options, title and context', () => {
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>decision');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;');
    expect(html).toContain('ONFH &lt;b&gt;decision&lt;/b&gt; support');
    // the only <script-like thing is text; the page carries a CSP forbidding scripts anyway
    expect(html).toContain(`Content-Security-Policy" content="default-src 'none'`);
  });

  it('renders a GFM table with header, alignment and inline bold', () => {
    expect(html).toContain('<table><thead><tr><th></th><th style="text-align:center">Right hip</th></tr></thead>');
    expect(html).toContain('<tr><td>Stage</td><td style="text-align:center">ARCO 2</td></tr>');
    expect(html).toContain('<td style="text-align:center"><strong>overdue</strong> since 2026-09-05</td>');
  });

  it('renders bullet and numbered lists with bold and italics', () => {
    expect(html).toContain('<ul><li><strong>Right hip</strong> (ARCO 2): last study 2026-06-05</li><li><em>Left hip</em>: no ONFH</li></ul>');
    expect(html).toContain('<p><em>Study and interval: FAQ.</em></p>');
    expect(html).toContain('<p><strong>Recommended</strong> (strong)</p>\n<ol><li>ESWT A1</li><li>core decompression A1</li></ol>');
  });

  it("shows every card's summary (bold heading) and source label, with indicator, suggestion and override reasons", () => {
    expect(html).toContain('<h2 class="summary">Follow-up imaging overdue: radiographs due 2026-09-05</h2>');
    expect(html).toContain('<h2 class="summary">Right hip ONFH: ARCO 2 / Chinese IIb</h2>');
    expect(html).toContain('<h2 class="summary">Critical &lt;script&gt;');
    expect(html.match(/<footer class="source">/g)).toHaveLength(3);
    expect(html).toContain('Source: Non-surgical ONFH guideline (2025) · rules 2025.1.0</footer>');
    expect(html).toContain('Source: <a href="https://example.org/guideline">Second source</a>');
    for (const indicator of ['info', 'warning', 'critical']) expect(html).toContain(`class="card card-${indicator}"`);
    expect(html).toContain('>Order radiographs of both hips</button>');
    expect(html).toContain('<option value="patient-declined">Patient declined imaging</option>');
  });

  it('says so when there are no cards', () => {
    expect(renderCardsHtml([])).toContain('No guidance for this patient.');
  });
});

describe('renderMarkdown', () => {
  it('keeps snake_case and lone asterisks as text, links only http(s)', () => {
    expect(renderMarkdown('rule_id and 2 * 3 = 6')).toBe('<p>rule_id and 2 * 3 = 6</p>');
    expect(renderMarkdown('[GL2025](https://example.org/a?b=1&c=2) and `a_b_`')).toBe(
      '<p><a href="https://example.org/a?b=1&amp;c=2">GL2025</a> and <code>a_b_</code></p>',
    );
    expect(renderMarkdown('[x](data:text/html,hi)')).toBe('<p>x</p>');
  });
});

describe('renderCardsMarkdown', () => {
  it('quotes each card with its indicator, summary, detail and source, neutralising HTML in plain text', () => {
    const md = renderCardsMarkdown(cards);
    expect(md).toContain('> **1. WARNING · Follow-up imaging overdue: radiographs due 2026-09-05**');
    expect(md).toContain('> | Stage | ARCO 2 |');
    expect(md).toContain('> <sub>Source: Non-surgical ONFH guideline (2025) · rules 2025.1.0</sub>');
    expect(md).toContain('**3. CRITICAL · Critical &lt;script&gt;');
  });
});

const CHROMIUM = '/usr/bin/chromium';

describe('in a real browser', () => {
  it.skipIf(!existsSync(CHROMIUM))(`runs no card content as markup (skipped without ${CHROMIUM}: CI does not install a browser)`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'render-cards-'));
    try {
      const file = join(dir, 'cards.html');
      writeFileSync(file, renderCardsHtml(cards, { title: 'Cards under test' }));
      const dom = execFileSync(
        CHROMIUM,
        ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'profile')}`, '--dump-dom', `file://${file}`],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 },
      );
      expect(dom).toContain('<title>Cards under test</title>');
      expect(dom).not.toMatch(/<script|<img|pwned<\/title>/);
      expect(dom.match(/<article class="card /g)).toHaveLength(3);
      expect(dom).toContain('Follow-up imaging overdue: radiographs due 2026-09-05');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // a cold headless Chromium on a loaded 2-core machine can take longer than vitest's 20 s default
  }, 90_000);
});
