/**
 * Bad input (issue 17 item 5): a note or a skipped report, never a throw or a wrong statement.
 * The timing property is a robustness bound (no catastrophic backtracking), not a speed target:
 * speed is in `npm run bench`.
 */
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { b64, conclusion, plain, read, report, tuples } from './helpers.js';

const AVN = 'Avascular necrosis of the right femoral head with 2 mm collapse.';

describe('bad input', () => {
  it('invalid base64 is a note naming the report, and no statement', () => {
    const r = read([report('r1', { presentedForm: [{ contentType: 'text/plain', data: 'not base64 at all!!' }] })]);
    expect(r.statements).toEqual([]);
    expect(r.notes).toEqual([{ report: 'DiagnosticReport/r1', code: 'invalid-base64', message: 'attachment data is not valid base64' }]);
  });

  it('binary content (a PDF, bytes that are not UTF-8) is a note; the report\'s other text is still read', () => {
    const r = read([report('r1', {
      presentedForm: [
        { contentType: 'application/pdf', data: b64('%PDF-1.4 ...') },
        { contentType: 'text/plain', data: b64(Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x00, 0x00])) },
      ],
      conclusion: AVN,
    })]);
    expect(tuples(r)).toEqual(['right onfh affirmed', 'right collapse-depth affirmed 2']);
    expect(r.notes.map((n) => n.code)).toEqual(['binary-content', 'binary-content']);
    expect(r.notes[0]?.message).toContain('application/pdf');
  });

  it('a charset it can decode (GBK) is read; one it cannot is a note', () => {
    const gbk = Buffer.from('d3d2b2e0b9c9b9c7cdb7bbb5cbc0a1a3', 'hex'); // 右侧股骨头坏死。 in GBK
    const r = read([
      report('r1', { presentedForm: [{ contentType: 'text/plain; charset=GBK', data: gbk.toString('base64') }] }),
      report('r2', { presentedForm: [{ contentType: 'text/plain; charset=x-unknown-7', data: b64('AVN') }] }),
    ]);
    expect(tuples(r)).toEqual(['right onfh affirmed']);
    expect(r.notes.map((n) => [n.report, n.code])).toEqual([['DiagnosticReport/r2', 'unsupported-charset']]);
  });

  it('a 5 MB report is cut at 64 KB with a note saying so; what was read is still read', () => {
    const filler = 'The acetabular roof is unremarkable. '.repeat(Math.ceil((5 * 1024 * 1024) / 37));
    const r = read([plain(`${AVN}\n${filler}`)]);
    expect(tuples(r)).toEqual(['right onfh affirmed', 'right collapse-depth affirmed 2']);
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0]).toMatchObject({ report: 'DiagnosticReport/r1', code: 'text-cut' });
    expect(r.notes[0]?.message).toMatch(/^report text cut: about \d+ characters past the 64 KB read were not read$/);
    const cut = Number(/about (\d+)/.exec(r.notes[0]?.message ?? '')?.[1]);
    expect(cut).toBeGreaterThan(5 * 1024 * 1024 - 70 * 1024);
  });

  it('an attachment by url only is a note (fetching is the FHIR layer\'s)', () => {
    const r = read([report('r1', { presentedForm: [{ contentType: 'text/plain', url: 'Binary/b1' }] })]);
    expect(r.notes.map((n) => n.code)).toEqual(['url-not-read']);
  });

  it('100 reports on one patient: the newest 50 are read, each older one is a note', () => {
    const reports = Array.from({ length: 100 }, (_, i) => ({
      ...conclusion(i === 0 ? 'Left femoral head AVN.' : AVN, undefined, `r${i}`),
      effectiveDateTime: `2026-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + Math.floor(i / 12)).padStart(2, '0')}`,
    }));
    const r = read(reports);
    expect(new Set(r.statements.map((s) => s.report)).size).toBe(50);
    expect(r.notes).toHaveLength(50);
    expect(r.notes.every((n) => n.code === 'reports-capped')).toBe(true);
    // r0 (2026-01-01) is among the oldest: not read, and named.
    expect(r.notes.map((n) => n.report)).toContain('DiagnosticReport/r0');
    expect(r.statements.some((s) => s.side === 'left')).toBe(false);
  });

  it('malformed resources are passed over, never thrown on', () => {
    const junk: unknown[] = [
      null, 3, 'x', [], { resourceType: 'DiagnosticReport' }, { resourceType: 'DiagnosticReport', status: 'final', category: 'RAD', conclusion: 5 },
      { resourceType: 'DiagnosticReport', status: 'final', category: [{ coding: 'x' }], code: { coding: [null, 1] }, presentedForm: [null, 'x', { data: 7 }], result: [{ reference: 5 }, null] },
      { resourceType: 'DocumentReference', status: 'current', type: { coding: [{ system: 'http://loinc.org', code: '18748-4' }] }, content: [null, { attachment: 'x' }] },
    ];
    expect(() => read(junk)).not.toThrow();
    expect(read(junk).statements).toEqual([]);
  });
});

/** Words the reader reacts to, for adversarial strings: triggers, sides, findings, units, headings. */
const WORDS = [
  'no', 'not', 'without', 'possible', '?', 'cannot be excluded', 'but', ',', ';', ':', '.', ' ', 'right', 'left', 'bilateral',
  'avascular necrosis', 'AVN', 'collapse', 'mm', 'cm', '%', '3', '0.3', '2-3', 'x', 'ARCO', 'stage', 'IIIA', 'Ⅲ', 'findings:', 'impression:',
  'history:', 'femoral head', 'knee', 'arthroplasty', 'of the femoral head', 'under', 'small', 'one third', '未见', '右侧', '股骨头坏死', '塌陷约',
  '。', '，', '、', '可能', '（', '）', '<b>', '</p>', '\n', '\n\n', 'e.g.', 'Right hip:', '(', ')', '-',
];

/**
 * Each case timed alone. The cost of a read is at most both its wall time and the process's CPU
 * time (wall time counts the scheduler's pauses on a shared machine, CPU time the GC threads), so
 * the smaller of the two bounds it; a case over 5 ms is timed up to 6 more times and its best kept,
 * and the cases still over 5 ms are timed 20 more times after the whole sweep (seconds later, so
 * outside the burst of another test file that slowed the first attempts): backtracking is slow every
 * time, a pause is not.
 */
function bestMs(resources: readonly Record<string, unknown>[], attempts: number): number {
  let best = Infinity;
  for (let attempt = 0; attempt < attempts && best >= 5; attempt++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    read(resources);
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    best = Math.min(best, wall, (cpu.user + cpu.system) / 1000);
  }
  return best;
}

function worstMs(cases: readonly string[], form: (s: string) => Record<string, unknown>): { ms: number; text: string } {
  const slow: { ms: number; text: string }[] = [];
  let worst = { ms: 0, text: '' };
  for (const text of cases) {
    const ms = bestMs([form(text)], 7);
    if (ms >= 5) slow.push({ ms, text });
    else if (ms > worst.ms) worst = { ms, text };
  }
  for (const s of slow) {
    const ms = Math.min(s.ms, bestMs([form(s.text)], 20));
    if (ms > worst.ms) worst = { ms, text: s.text };
  }
  return worst;
}

describe('no catastrophic backtracking: 10,000 random and adversarial strings, every report under 5 ms', () => {
  const random = fc.sample(fc.string({ unit: 'binary', maxLength: 2000 }), 4000);
  const adversarial = fc.sample(
    fc.oneof(
      fc.array(fc.constantFrom(...WORDS), { maxLength: 400 }).map((w) => w.join(' ')),
      fc.array(fc.constantFrom(...WORDS), { maxLength: 400 }).map((w) => w.join('')),
      fc.tuple(fc.constantFrom(...WORDS), fc.integer({ min: 1, max: 3000 })).map(([w, n]) => w.repeat(n).slice(0, 4000)),
    ),
    6000,
  );

  it('has 10,000 cases', () => {
    expect(random.length + adversarial.length).toBe(10_000);
  });

  it('as a conclusion (random strings)', () => {
    const w = worstMs(random, (s) => conclusion(s));
    expect(w.ms, `slowest: ${JSON.stringify(w.text.slice(0, 80))}`).toBeLessThan(5);
  }, 120_000);

  it('as plain text and HTML attachments (adversarial strings)', () => {
    const half = adversarial.length / 2;
    const asPlain = worstMs(adversarial.slice(0, half), (s) => plain(s));
    const asHtml = worstMs(adversarial.slice(half), (s) => report('r1', { presentedForm: [{ contentType: 'text/html', data: b64(s) }] }));
    expect(asPlain.ms, `slowest: ${JSON.stringify(asPlain.text.slice(0, 80))}`).toBeLessThan(5);
    expect(asHtml.ms, `slowest: ${JSON.stringify(asHtml.text.slice(0, 80))}`).toBeLessThan(5);
  }, 120_000);
});
