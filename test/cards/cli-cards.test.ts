/**
 * `onfh-cds cards` (design.md section 8): the cards of a Bundle or a hook request as an EHR shows
 * them, in the terminal. Run in-process through runCli, with the bundled rules and the examples.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import type { Card } from '../../src/cds-hooks/card.js';

const example = (name: string): string => join(import.meta.dirname, '../../examples', name);

async function cards(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['cards', ...args], {
    out: (t) => { out += `${t}\n`; },
    err: (t) => { err += `${t}\n`; },
    today: () => '2026-11-21',
  });
  return { code, out, err };
}

describe('onfh-cds cards', () => {
  it('prints the patient-view cards of a hook request as text: indicator, summary, detail without markdown, suggestion, source with its link', async () => {
    const r = await cards(example('patient-view.json'), '--now', '2026-11-21');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^patient-view for Patient\/onfh-ex-1 on 2026-11-21 \(CDS Hooks request .*patient-view\.json\): \d cards?\n/);
    expect(r.out).toMatch(/\n1\. \[WARNING\] Order radiographs: follow-up of the right hip overdue since 2026-09-05\n/);
    expect(r.out).toContain('   > Order radiographs of both hips (AP and frog-leg lateral)');
    expect(r.out).toContain('Source: 2025 Chinese guideline for non-surgical treatment of ONFH <http://localhost:3000/rules/');
    // markdown read, not shown: no bold markers, tables as aligned columns
    expect(r.out).not.toContain('**');
    expect(r.out).not.toMatch(/\|---/);
    expect(r.out).toMatch(/\n {3}Stage +ARCO 2 \/ Chinese IIb\n/);
  });

  it('reads a FHIR Bundle as the record (patient-view by default) and --json prints the CDS Hooks response', async () => {
    const r = await cards(example('assessment-bundle.json'), '--now', '2026-11-21', '--json', '--base-url', 'https://cds.example.org');
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out) as { cards: Card[] };
    expect(body.cards.length).toBeGreaterThan(0);
    expect(body.cards.every((c) => c.source.url?.startsWith('https://cds.example.org/rules/') === true)).toBe(true);
    expect(body.cards.some((c) => c.summary.startsWith('Conservative care: right hip ONFH, ARCO 2'))).toBe(true);
  });

  it('order-sign request: the bisphosphonate warning with its remove suggestion', async () => {
    const r = await cards(example('order-sign-bisphosphonate.json'), '--now', '2026-11-21');
    expect(r.code).toBe(0);
    expect(r.out).toContain('1. [WARNING] Remove Alendronate 70 mg tablet, once weekly unless for another indication: the 2025 guideline recommends against it for ONFH (A1)');
    expect(r.out).toContain('   > Remove the draft order: Alendronate 70 mg tablet, once weekly');
  });

  it('says so when there is no card (out of scope)', async () => {
    const r = await cards(example('patient-view-out-of-scope.json'), '--now', '2026-11-21');
    expect(r.code).toBe(0);
    expect(r.out).toContain('0 cards');
    expect(r.out).toContain('No cards (the service says nothing for this patient and hook).');
  });

  it('refuses a --hook the request is not, an unknown hook, a bad date and a file that is neither (exit 1 or 2, with the reason)', async () => {
    const wrong = await cards(example('patient-view.json'), '--hook', 'order-sign');
    expect(wrong).toMatchObject({ code: 1 });
    expect(wrong.err).toContain('the file is a patient-view request; --hook order-sign does not apply to it');
    const unknown = await cards(example('patient-view.json'), '--hook', 'chart-open');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('--hook must be one of patient-view, order-select, order-sign, got "chart-open"');
    const date = await cards(example('patient-view.json'), '--now', '21/11/2026');
    expect(date.code).toBe(2);
    expect(date.err).toContain('--now must be a date YYYY-MM-DD');
    const neither = await cards(example('cds-clients.example.json'));
    expect(neither.code).toBe(1);
    expect(neither.err).toContain('expected a FHIR Bundle');
  });
});
