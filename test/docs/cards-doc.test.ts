/**
 * docs/cards.md shows every card the examples produce (issue 19). Regenerated from the examples
 * with the bundled rules; the committed page must be what the code now says.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CARDS_DOC, renderCardsDoc } from '../../scripts/cards-doc.js';

describe('docs/cards.md', () => {
  it('is the page scripts/cards-doc.ts writes from every example (npx tsx scripts/cards-doc.ts when this fails)', async () => {
    const fresh = await renderCardsDoc();
    const committed = readFileSync(CARDS_DOC, 'utf8');
    // compared line by line first, so a failure names the first stale line
    const a = committed.split('\n');
    const b = fresh.split('\n');
    const first = b.findIndex((line, i) => line !== a[i]);
    expect(first === -1 && a.length === b.length ? null : { line: first + 1, committed: a[first], fresh: b[first] }).toBeNull();
  });

  it('has a section for each example, with its cards', async () => {
    const page = await renderCardsDoc();
    for (const name of ['assessment-bundle', 'patient-view', 'patient-view-out-of-scope', 'order-sign-bisphosphonate']) {
      expect(page).toContain(`## ${name}\n`);
    }
    expect(page).toContain('is a FHIR Bundle');
    expect(page).toContain('is a CDS Hooks `patient-view` request');
    expect(page).toContain('**1. WARNING · Order radiographs: follow-up of the right hip overdue since 2026-09-05**');
  });
});
