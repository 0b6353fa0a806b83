/** The hook answer as the EHR receives it: the decider's cards, serialized whole. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { checkCardRules, type Card } from '../../src/cds-hooks/card.js';
import { testConfig } from '../../src/config.js';
import { fullPrefetch, orderSignRequest, patientResources } from '../support/hook-requests.js';

const warningCard: Card = {
  uuid: randomUUID(),
  summary: 'Bisphosphonates are not recommended for ONFH',
  detail: 'GL2025 Table 6: **alendronate** and zoledronic acid are not recommended (A1).',
  indicator: 'warning',
  source: { label: 'Chinese ONFH guideline 2025 (rules 2025.1.0)', url: 'https://example.org/gl2025', topic: { system: 'https://example.org/topics', code: 'order-check' } },
  suggestions: [
    {
      label: 'Remove the alendronate order',
      uuid: randomUUID(),
      isRecommended: true,
      actions: [{ type: 'delete', description: 'Delete the draft order', resourceId: 'MedicationRequest/draft-alendronate' }],
    },
  ],
  selectionBehavior: 'at-most-one',
  overrideReasons: [{ system: 'https://example.org/override', code: 'osteoporosis', display: 'Prescribed for osteoporosis or another indication' }],
  links: [{ label: 'Guideline', url: 'https://example.org/gl2025', type: 'absolute' }],
  extension: { 'onfh-cds/rules': [{ id: 'order-checks', version: '2025.1.0' }], 'onfh-cds/nested': { deep: [1, { x: true }] } },
};

describe('POST /cds-services/{id}: the answer', () => {
  it('sends every field of every card, extensions included, as the decider made them', async () => {
    expect(checkCardRules(warningCard)).toEqual([]);
    const app = await buildApp(testConfig(), { decide: () => ({ cards: [warningCard, { ...warningCard, uuid: randomUUID(), indicator: 'critical' }], notes: [] }) });
    const res = await app.inject({ method: 'POST', url: '/cds-services/onfh-order-sign', payload: orderSignRequest({ prefetch: fullPrefetch(patientResources()) }) });
    // The cards are counted for the metrics, by service and indicator.
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    await app.close();
    expect(metrics.body).toMatch(/onfh_cds_cards_total\{service="onfh-order-sign",indicator="critical"\} [1-9]/);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json<{ cards: Card[] }>();
    expect(body.cards).toHaveLength(2);
    expect(body.cards[0]).toEqual(warningCard);
  });
});
