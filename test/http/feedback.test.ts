import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import type { FeedbackItem } from '../../src/cds-hooks/feedback.js';
import { testConfig } from '../../src/config.js';

const CARD = '4e0a3a1e-3283-4575-ab82-028d55fe2719';
const SUGGESTION = 'e56e1945-20b3-4393-8503-a1a20fd73152';

describe('POST /cds-services/{id}/feedback (CDS Hooks 2.0 Feedback)', () => {
  let app: FastifyInstance;
  const lines: Record<string, unknown>[] = [];
  const received: [string, readonly FeedbackItem[]][] = [];
  beforeAll(async () => {
    const logStream = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    app = await buildApp(testConfig({ LOG_LEVEL: 'info' }), { logStream, onFeedback: (id, items) => void received.push([id, items]) });
  });
  afterAll(() => app.close());

  const post = (payload: unknown, id = 'onfh-order-sign') =>
    app.inject({ method: 'POST', url: `/cds-services/${id}/feedback`, payload: payload as Record<string, unknown> });

  it('accepts an accepted suggestion and an override with reason, and logs them without the comment', async () => {
    const res = await post({
      feedback: [
        { card: CARD, outcome: 'accepted', acceptedSuggestions: [{ id: SUGGESTION }], outcomeTimestamp: '2021-12-11T10:05:31Z' },
        {
          card: CARD,
          outcome: 'overridden',
          overrideReason: { reason: { system: 'https://example.org/override', code: 'osteoporosis' }, userComment: 'Mrs Smith takes it for her spine' },
          outcomeTimestamp: '1985-04-12T23:20:50.52Z',
        },
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});
    expect(received.at(-1)?.[0]).toBe('onfh-order-sign');
    const events = lines.filter((l) => l.event === 'cds.feedback');
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ serviceId: 'onfh-order-sign', card: CARD, outcome: 'accepted', acceptedSuggestions: [SUGGESTION] });
    expect(events[1]).toMatchObject({ outcome: 'overridden', overrideReason: { system: 'https://example.org/override', code: 'osteoporosis' }, hasUserComment: true });
    expect(JSON.stringify(lines)).not.toContain('Mrs Smith');
  });

  it('accepts an override without a reason', async () => {
    const res = await post({ feedback: [{ card: CARD, outcome: 'overridden', outcomeTimestamp: '2020-12-11T00:00:00Z' }] });
    expect(res.statusCode).toBe(200);
  });

  const firstText = async (payload: unknown) => {
    const res = await post(payload);
    expect(res.statusCode).toBe(400);
    return res.json<{ issue: { details: { text: string } }[] }>().issue[0]?.details.text ?? '';
  };

  it('refuses malformed feedback with 400 naming the field', async () => {
    expect(await firstText({})).toMatch(/^feedback: /);
    expect(await firstText({ feedback: [] })).toMatch(/^feedback: /);
    expect(await firstText({ feedback: [{ card: 'c1', outcome: 'overridden', outcomeTimestamp: '2020-12-11T00:00:00Z' }] })).toMatch(/^feedback\.0\.card: /);
    expect(await firstText({ feedback: [{ card: CARD, outcome: 'ignored', outcomeTimestamp: '2020-12-11T00:00:00Z' }] })).toMatch(/^feedback\.0\.outcome: /);
    expect(await firstText({ feedback: [{ card: CARD, outcome: 'accepted', outcomeTimestamp: '2020-12-11T00:00:00Z' }] })).toBe(
      'feedback.0.acceptedSuggestions: is required when outcome is accepted',
    );
    expect(await firstText({ feedback: [{ card: CARD, outcome: 'overridden', outcomeTimestamp: 'yesterday' }] })).toMatch(/^feedback\.0\.outcomeTimestamp: /);
    expect(await firstText({ feedback: [{ card: CARD, outcome: 'overridden', overrideReason: { reason: { code: 'x' } }, outcomeTimestamp: '2020-12-11T00:00:00Z' }] })).toMatch(
      /^feedback\.0\.overrideReason\.reason\.system: /,
    );
  });

  it('answers feedback for an unknown service with 404', async () => {
    const res = await post({ feedback: [{ card: CARD, outcome: 'overridden', outcomeTimestamp: '2020-12-11T00:00:00Z' }] }, 'nope');
    expect(res.statusCode).toBe(404);
  });
});
