import { describe, expect, it } from 'vitest';
import { CardsResponseSchema, checkCardRules, type Card } from '../../src/cds-hooks/card.js';

const good: Card = {
  uuid: '00000000-0000-4000-8000-000000000001',
  summary: 'Right hip MRI overdue since 2026-10-01',
  detail: 'Order an MRI of the right hip.',
  indicator: 'warning',
  source: { label: 'Non-surgical ONFH guideline 2025 · rules 2025.1.0', url: 'https://example.org/gl' },
  suggestions: [{
    uuid: '00000000-0000-4000-8000-000000000002',
    label: 'Order MRI right hip',
    actions: [{ type: 'create', description: 'Create a draft MRI order', resource: { resourceType: 'ServiceRequest', status: 'draft' } }],
  }],
  selectionBehavior: 'at-most-one',
  overrideReasons: [{ system: 'http://example.org/override', code: 'done-elsewhere', display: 'Imaging done elsewhere' }],
  extension: { 'onfh-cds/rules': [{ id: 'follow-up', version: '2025.1.0' }] },
};

describe('checkCardRules', () => {
  it('accepts a card that follows CDS Hooks 2.0 and design.md section 1', () => {
    expect(checkCardRules(good)).toEqual([]);
    expect(CardsResponseSchema.safeParse({ cards: [good] }).success).toBe(true);
    expect(CardsResponseSchema.safeParse({ cards: [] }).success).toBe(true);
  });

  it('accepts a label naming the guideline in words only: the versions are in the extension (clinical-spec.md 14)', () => {
    expect(checkCardRules({ ...good, source: { label: '2025 Chinese guideline for non-surgical treatment of ONFH', url: 'https://cds.example.org/rules/follow-up' } })).toEqual([]);
  });

  it('accepts a guideline named by its short name', () => {
    expect(checkCardRules({ ...good, source: { label: 'GL2025 · rules 2025.1.0' } })).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no uuid', { uuid: undefined }, /card\.uuid/],
    ['summary of 140 characters', { summary: 'x'.repeat(140) }, /card\.summary/],
    ['unknown indicator', { indicator: 'hard-stop' }, /card\.indicator/],
    ['empty detail', { detail: '' }, /card\.detail/],
    ['suggestions without selectionBehavior', { selectionBehavior: undefined }, /selectionBehavior: required/],
    ['warning without overrideReasons', { overrideReasons: undefined }, /overrideReasons: required on a warning/],
    ['override reason without display', { overrideReasons: [{ system: 's', code: 'c' }] }, /overrideReasons/],
    ['empty links array', { links: [] }, /links is an empty array/],
    ['null somewhere', { links: null }, /links is null/],
    ['no rule versions', { extension: { other: 1 } }, /onfh-cds\/rules/],
    ['relative source url', { source: { label: 'Non-surgical ONFH guideline 2025', url: '/rules/follow-up' } }, /source\.url: must be an absolute/],
    ['label without guideline', { source: { label: 'rules 2025.1.0' } }, /name the guideline/],
    ['suggestion without uuid', { suggestions: [{ label: 'x', actions: [{ type: 'create', description: 'd', resource: { resourceType: 'ServiceRequest' } }] }] }, /suggestions\.0\.uuid/],
    ['delete without resourceId', { suggestions: [{ uuid: '00000000-0000-4000-8000-000000000003', label: 'x', actions: [{ type: 'delete', description: 'd' }] }] }, /resourceId: required/],
    ['empty string inside a resource', { suggestions: [{ uuid: '00000000-0000-4000-8000-000000000003', label: 'x', actions: [{ type: 'create', description: 'd', resource: { resourceType: 'ServiceRequest', note: '' } }] }] }, /resource\.note is an empty string/],
    ['unknown field', { foo: 1 }, /Unrecognized key/],
  ])('rejects %s', (_name, patch, expected) => {
    const faults = checkCardRules({ ...good, ...patch });
    expect(faults.join('\n')).toMatch(expected);
  });
});
