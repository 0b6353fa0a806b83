/**
 * What radiology reports said, on the patient-view cards (clinical-spec.md 12, 13; design.md 5):
 * a finding read from a report is quoted with the report's kind and date ("MRI 2 Oct 2026: '…'"),
 * and ONFH on imaging that is not on the problem list gets one info card offering to add it
 * (provisional). A report alone never drives treatment advice: that card recommends nothing else.
 */
import type { Assessment } from '../engine/types.js';
import type { CardContext, CardDraft } from './context.js';
import { SYSTEM, clip } from './vocabulary.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-10-02" → "2 Oct 2026". */
function dayText(date: string | null): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date ?? '');
  if (!m) return 'undated';
  return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1] ?? m[2]} ${m[1]}`;
}

type Reported = Pick<Assessment['reportFindings'][number], 'studyKind' | 'date' | 'text'>;

/** "MRI 2 Oct 2026: 'Subchondral fracture of the right femoral head.'" */
export function reportQuote(s: Reported): string {
  return `${s.studyKind ?? 'Imaging report'} ${dayText(s.date)}: '${s.text}'`;
}

/** For each hip, the report sentences its findings came from (the newest stating each finding), quoted. */
export function reportEvidenceLines(a: Assessment): string[] {
  const lines: string[] = [];
  for (const hip of a.hips) {
    const used = new Map<string, Reported>();
    for (const s of a.reportFindings) {
      if (s.side !== hip.side || s.certainty === 'uncertain' || !(s.finding in hip.findings || (s.finding === 'arco-stage' && hip.stage.source === 'reported'))) continue;
      const was = used.get(s.finding);
      if (was === undefined || (was.date ?? '') < (s.date ?? '')) used.set(s.finding, s);
    }
    for (const s of new Set(used.values())) lines.push(`- ${hip.side === 'unknown' ? 'Hip' : `${hip.side[0]?.toUpperCase() ?? ''}${hip.side.slice(1)} hip`}: ${reportQuote(s)}`);
  }
  return [...new Set(lines)];
}

/** ICD-10-CM M87.05x by side (clinical-spec.md 9: idiopathic aseptic necrosis of femur). */
const ICD10_BY_SIDE = { right: { code: 'M87.051', display: 'Idiopathic aseptic necrosis of right femur' }, left: { code: 'M87.052', display: 'Idiopathic aseptic necrosis of left femur' } } as const;
const LATERALITY = { right: { code: '24028007', display: 'Right' }, left: { code: '7771000', display: 'Left' } } as const;

/** The suspected-ONFH card in one line, for the summary card when the four-card limit leaves that card out. */
export function suspectedOnfhLine(a: Assessment): string | undefined {
  if (a.suspectedOnfh.length === 0) return undefined;
  return `**Not on the problem list**: ${a.suspectedOnfh.map((s) => `${s.studyKind ?? 'imaging'} of ${dayText(s.date)} describes osteonecrosis of the ${s.side} femoral head`).join('; ')}. Add it (provisional) if the diagnosis is right.`;
}

/** clinical-spec.md 13: ONFH on imaging, not on the problem list → one info card, with the Condition to add. */
export function suspectedOnfhCard(a: Assessment, ctx: CardContext): CardDraft | undefined {
  const first = a.suspectedOnfh[0];
  if (first === undefined) return undefined;
  const study = (s: typeof first): string => s.studyKind ?? 'Imaging';
  // clinical-spec.md 14: the action first
  const summary = a.suspectedOnfh.length > 1
    ? `Add ONFH of both hips to the problem list if confirmed: ${study(first)} of ${dayText(first.date)} describes osteonecrosis of both femoral heads`
    : `Add ONFH of the ${first.side} hip to the problem list if confirmed: ${study(first)} of ${dayText(first.date)} describes osteonecrosis of its femoral head`;
  return {
    summary: clip(summary),
    detail: [
      ...a.suspectedOnfh.map((s) => `- ${reportQuote(s)}`),
      '',
      'No ONFH condition of this hip is on the problem list. If the diagnosis is right, add it (provisional) so that staging, treatment and imaging follow-up advice can follow.',
      '',
      '_A radiology report alone does not drive treatment advice (clinical-spec.md 13)._',
    ].join('\n'),
    indicator: 'info',
    suggestions: a.suspectedOnfh.map((s) => ({
      label: `Add osteonecrosis of the ${s.side} femoral head to the problem list (provisional)`,
      actions: [{
        type: 'create' as const,
        description: `Create a provisional Condition: osteonecrosis of the ${s.side} femoral head, from ${study(s)} of ${dayText(s.date)}`,
        resource: {
          resourceType: 'Condition',
          clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
          verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'provisional' }] },
          category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }] }],
          code: {
            coding: [
              { system: SYSTEM.icd10cm, ...ICD10_BY_SIDE[s.side] },
              { system: SYSTEM.snomed, code: '203476003', display: 'Avascular necrosis of the head of femur' },
            ],
            text: `Osteonecrosis of the ${s.side} femoral head`,
          },
          bodySite: [{
            coding: [{ system: SYSTEM.snomed, code: '2812003', display: 'Femoral head' }, { system: SYSTEM.snomed, ...LATERALITY[s.side] }],
            text: `${LATERALITY[s.side].display} femoral head`,
          }],
          subject: { reference: `Patient/${ctx.patientId}` },
          evidence: [{ detail: [{ reference: s.report }] }],
          note: [{ text: reportQuote(s) }],
        },
      }],
    })),
    selectionBehavior: 'any',
  };
}
