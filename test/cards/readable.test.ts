/**
 * clinical-spec.md 14, readable cards, over every rule case bundle (rules/** /cases) through the
 * whole pipeline (offline, as `onfh-cds cards` runs it): at most four cards, no two summaries alike,
 * summary < 140, detail ≤ 1,500 characters, "conservative care" never beside "surgical evaluation
 * indicated" in one summary, China-only products marked, and the section-14 patients as a
 * clinician should see them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Card } from '../../src/cds-hooks/card.js';
import { BUNDLED_RULES_DIR } from '../../src/config.js';
import { offlineCards } from '../../src/pipeline/offline-cards.js';
import { loadRules } from '../../src/rules/index.js';

const rules = await loadRules(BUNDLED_RULES_DIR);

function caseFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.json') && e.parentPath.endsWith('cases') && !e.parentPath.includes('reports'))
    .map((e) => join(e.parentPath, e.name));
}

function cardsOf(file: string, hook: 'patient-view' | 'order-sign' = 'patient-view'): Card[] {
  const c = JSON.parse(readFileSync(file, 'utf8')) as { bundle: { entry: { resource: { resourceType: string; id: string } }[] }; now: string; draftOrders?: unknown[] };
  // an order-check case signs its draft orders: the case's record as the prefetch of an order-sign call
  const patient = c.bundle.entry.find((e) => e.resource.resourceType === 'Patient')?.resource;
  const input = hook === 'patient-view' ? c.bundle : {
    hook, hookInstance: '2d1f5c36-5f59-4a63-9d3c-0c1d7b6f2b10',
    context: { userId: 'Practitioner/1', patientId: patient?.id ?? '', draftOrders: { resourceType: 'Bundle', type: 'collection', entry: (c.draftOrders ?? []).map((resource) => ({ resource })) } },
    prefetch: { patient, conditions: { resourceType: 'Bundle', type: 'searchset', entry: c.bundle.entry.filter((e) => e.resource !== patient) } },
  };
  const r = offlineCards(input, rules, c.now, hook, { publicBaseUrl: 'https://cds.example.org' });
  if (!r.ok) throw new Error(`${file}: ${r.error}`);
  return [...r.cards];
}

const cases = caseFiles(BUNDLED_RULES_DIR);
const CHINA_ONLY = ['Xianling Gubao capsules', 'Tongluo Shenggu capsules', 'Gutouyusheng capsules', 'cervus and cucumis polypeptide injection', 'technetium [99Tc] MDP'];

/**
 * clinical-spec.md 14 / issue 19: "the action first". A summary opens with what to do (an order, a
 * referral, a review), or, on the one summary card, with the plan or, when there is none, the hip.
 */
const ACTION_FIRST = /^(Order|Refer|Review|Record|Complete|Add|Remove|Keep|Replace|Reconsider|Weigh|Consider|Use|Conservative care:|Surgical evaluation indicated:|(Right|Left) hip ONFH:|Hip ONFH \(side not recorded\):|ONFH: )/;
/** Words a clinician inside an EHR does not know: seed abbreviations, rule versions, internal ids. */
const JARGON = /\b(GL2025|SMALL|TCM|FAQ|CHRONIC|rules? \d|\d+\.\d+\.\d+|onfh-|[a-z]+-[a-z]+-[a-z]+)\b/;

describe('readable cards, every rule case', () => {
  it(`holds for all ${String(cases.length)} case bundles, patient-view and (the order-check cases) order-sign`, () => {
    expect(cases.length).toBeGreaterThan(200);
    let orderCards = 0;
    for (const file of cases) {
      const cards = cardsOf(file);
      expect(cards.length, file).toBeLessThanOrEqual(4);
      expect(new Set(cards.map((c) => c.summary)).size, file).toBe(cards.length);
      const signed = file.includes('order-checks') ? cardsOf(file, 'order-sign') : [];
      orderCards += signed.length;
      for (const card of [...cards, ...signed]) {
        expect(card.summary, file).toMatch(ACTION_FIRST);
        expect(card.summary, file).not.toMatch(JARGON);
      }
      for (const card of cards) {
        expect(card.summary.length, file).toBeLessThan(140);
        expect(card.detail.length, `${file}: ${card.summary}`).toBeLessThanOrEqual(1500);
        expect(/conservative care/i.test(card.summary) && /surgical evaluation indicated/i.test(card.summary), file).toBe(false);
        expect(card.source.label).toBe('2025 Chinese guideline for non-surgical treatment of ONFH');
        expect(card.source.url, file).toMatch(/^https:\/\/cds\.example\.org\/rules\/[a-z0-9-]+$/);
        for (const name of CHINA_ONLY) {
          for (const line of card.detail.split('\n').filter((l) => /^\d+\. /.test(l) && l.includes(name))) {
            expect(line, file).toContain('(availability varies by country)');
          }
        }
      }
    }
    expect(orderCards).toBeGreaterThan(10);
  });
});

const at = (folder: string, name: string): string => join(BUNDLED_RULES_DIR, folder, 'cases', name);

describe('the patients of clinical-spec.md 14 as a clinician sees them', () => {
  it('a 9-year-old: no card', () => {
    expect(cardsOf(at('facts', 'out-scope-under-18-nine-year-old.json'))).toEqual([]);
  });

  it('pregnant: the summary says the advice is adapted, ESWT/simvastatin/Tc-99 MDP contraindicated for pregnancy', () => {
    const summary = cardsOf(at('modalities', 'in-pregnancy-z33-1-contraindications-and-mri.json')).find((c) => c.detail.includes('**Options, strongest first**'));
    expect(summary?.detail).toContain('**Advice adapted for pregnancy**: technetium [99Tc] MDP, simvastatin and ESWT are not offered; follow-up imaging by MRI without contrast.');
    expect(summary?.detail).toContain('**Contraindicated for this patient**: ESWT A1, technetium [99Tc] MDP B1, simvastatin B2 (pregnancy).');
    expect(summary?.detail).not.toMatch(/^\d\. ESWT/m);
  });

  it('imaging booked: "scheduled <date>", no overdue card and no order', () => {
    const cards = cardsOf(at('follow-up', 'in-scheduled-service-request-xr-not-overdue.json'));
    expect(cards.some((c) => c.indicator === 'warning' && c.summary.startsWith('Order radiographs'))).toBe(false);
    const summary = cards.find((c) => /\bleft hip ONFH\b/i.test(c.summary));
    expect(summary?.summary).toContain('next: radiographs scheduled 2026-12-10');
    expect(summary?.detail).toContain('**scheduled 2026-12-10**');
    expect(cards.flatMap((c) => c.suggestions ?? []).filter((s) => s.label.startsWith('Order radiographs'))).toEqual([]);
  });

  it('replaced hip: no card about it; the natural hip is assessed and the card says which hip was not', () => {
    const cards = cardsOf(at('facts', 'in-replaced-hip-procedure-left-not-assessed.json'));
    const summary = cards.find((c) => c.detail.includes('**Options, strongest first**'));
    expect(summary?.detail).toContain('| | Right hip |');
    expect(summary?.detail).not.toContain('Left hip |');
    expect(summary?.detail).toContain('**Not assessed**: left hip replaced (no femoral head).');
  });

  it('the only ONFH hip replaced: one card, the MRI of the other, natural hip', () => {
    const cards = cardsOf(at('follow-up', 'in-replaced-only-onfh-hip-other-hip-mri-gap.json'));
    expect(cards.map((c) => c.summary)).toEqual(['Order MRI of the left hip: never imaged by MRI, and non-traumatic ONFH is often bilateral (70–80 %)']);
  });

  it('a replacement with no side: both hips assessed and the card says so', () => {
    const summary = cardsOf(at('facts', 'in-replacement-side-unknown-both-hips-assessed.json')).find((c) => c.detail.includes('**Options, strongest first**'));
    expect(summary?.detail).toContain('| | Right hip | Left hip |');
    expect(summary?.detail).toContain('A hip replacement is on record without its side: both hips are still assessed; record the side (code or body site).');
  });

  it('asymptomatic small lesion: the invasive options on one "consider only" line with the SMALL note, once', () => {
    const summary = cardsOf(at('modalities', 'in-asymptomatic-small-every-invasive-option-consider.json')).find((c) => c.detail.includes('**Options, strongest first**'));
    expect(summary?.detail).toContain('**Strong options to consider only**: PRP injection A1, BMAC A1, BMMSCs A1, core decompression A1, SVF B1, ozone injection B1: Asymptomatic small lesion: prophylactic intervention is controversial; observation with regular imaging is an accepted alternative (SMALL).');
    expect(summary?.detail.split('accepted alternative (SMALL)').length).toBe(2);
  });

  // clinical review of issue 19 (bundles in test/cards/bundles/, written by the reviewer)
  const bundleCards = (name: string): Card[] => {
    const r = offlineCards(JSON.parse(readFileSync(join(import.meta.dirname, 'bundles', name), 'utf8')), rules, '2026-11-21', 'patient-view', { publicBaseUrl: 'https://cds.example.org' });
    if (!r.ok) throw new Error(r.error);
    return [...r.cards];
  };

  it('a report describing ONFH of the other hip: its card, and no "never imaged by MRI" card contradicting it', () => {
    const summaries = bundleCards('report-describes-other-hip.json').map((c) => c.summary);
    expect(summaries).toContain('Add ONFH of the left hip to the problem list if confirmed: MRI of 2 Oct 2026 describes osteonecrosis of its femoral head');
    expect(summaries.filter((t) => t.includes('never imaged'))).toEqual([]);
  });

  it('six cards apply: the four most urgent are shown, and the summary card carries the report of the other hip', () => {
    const cards = bundleCards('six-cards-apply.json');
    expect(cards.map((c) => c.summary.split(':')[0])).toEqual(['Refer to orthopaedic surgery', 'Order radiographs', 'Review the systemic corticosteroid with its prescriber', 'Surgical evaluation indicated']);
    expect(cards[3]?.detail).toContain('**Not on the problem list**: MRI of 1 Mar 2025 describes osteonecrosis of the left femoral head.');
  });

  it('imaging ordered with no booked date after the last study: "ordered <date>, not yet booked", not "scheduled", no second order', () => {
    const cards = bundleCards('imaging-ordered-not-booked.json');
    const summary = cards.find((c) => c.detail.includes('**Options, strongest first**'));
    expect(summary?.summary).toMatch(/next: radiographs ordered 2026-11-01, not yet booked$/);
    expect(cards.some((c) => c.summary.startsWith('Order radiographs'))).toBe(false);
  });
});
