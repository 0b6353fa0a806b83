/**
 * (d) Report reading (issue 17 item 6): a patient-view decision on the bench chart with 20
 * radiology reports of about 2 KB each against the same chart without them, in process (the
 * pipeline's decideCards), alternating in rounds so both see the same noise. Prints p50 of each,
 * the difference per call (target: at most 0.5 ms) and their ratio, measured in this one run.
 */
import { performance } from 'node:perf_hooks';
import { BUNDLED_RULES_DIR } from '../src/config.js';
import { ONFH_SERVICES } from '../src/cds-hooks/services.js';
import { decideCards } from '../src/pipeline/index.js';
import { loadRules } from '../src/rules/index.js';

const REPORTS = 20;
const ROUNDS = 10;
const CALLS_PER_ROUND = 200;

/** About 2 KB of an MRI report in the US academic layout; each report a little different. */
function reportText(i: number): string {
  const side = i % 2 === 0 ? 'right' : 'left';
  return [
    `EXAM: MRI ${side.toUpperCase()} HIP WITHOUT CONTRAST`,
    `CLINICAL HISTORY: ${side} groin pain, corticosteroids. Rule out avascular necrosis.`,
    'TECHNIQUE: Coronal T1, coronal STIR, axial T2 fat-saturated and sagittal PD fat-saturated sequences.',
    `COMPARISON: Radiographs of the pelvis dated 2026-0${1 + (i % 9)}-14.`,
    'FINDINGS:',
    `Osseous structures: There is a geographic subchondral lesion in the anterosuperior ${side} femoral head bordered by a serpiginous T1 hypointense band with an inner T2 hyperintense rim (double-line sign).`,
    `The lesion involves approximately ${20 + i}% of the femoral head.`,
    `A subchondral fracture line parallels the articular surface, with approximately ${1 + (i % 4)} mm of articular surface collapse.`,
    'Bone marrow edema extends from the femoral head into the intertrochanteric region.',
    'Joint: Small joint effusion. The joint space is preserved. No acetabular cartilage loss.',
    'Labrum: Mild intrasubstance signal in the anterosuperior labrum without a discrete tear.',
    'Soft tissues: The gluteal tendons and hamstring origins are intact. No trochanteric bursitis.',
    'Visualized pelvis: The visualized sacroiliac joints and lower lumbar spine are unremarkable. No free fluid. The bladder is unremarkable.',
    'IMPRESSION:',
    `1. Avascular necrosis of the ${side} femoral head with subchondral fracture and approximately ${1 + (i % 4)} mm collapse, ARCO stage IIIA.`,
    `2. Associated bone marrow edema and small joint effusion. The necrotic segment involves approximately ${20 + i}% of the femoral head.`,
    '3. No secondary osteoarthritis. Follow-up imaging as clinically indicated; correlation with radiographs suggested.',
  ].join('\n');
}

export function benchReports(patientId: string, resources: readonly fhir4.FhirResource[]): Promise<{ withoutP50: number; withP50: number; addedMs: number; ratio: number; reportBytes: number }> {
  return (async () => {
    const rules = await loadRules(BUNDLED_RULES_DIR);
    const service = ONFH_SERVICES.find((s) => s.hook === 'patient-view');
    if (!service) throw new Error('no patient-view service');
    const reports = Array.from({ length: REPORTS }, (_, i) => ({
      resourceType: 'DiagnosticReport', id: `bench-report-${i}`, status: 'final', subject: { reference: `Patient/${patientId}` },
      category: [{ coding: [{ system: 'http://loinc.org', code: 'LP29684-5' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: i % 2 === 0 ? '36022-2' : '36020-6' }] },
      effectiveDateTime: `2026-${String(1 + (i % 10)).padStart(2, '0')}-15`,
      presentedForm: [{ contentType: 'text/plain', data: Buffer.from(reportText(i)).toString('base64') }],
    })) as unknown as fhir4.FhirResource[];
    const reportBytes = Math.round(reports.reduce((n, _r, i) => n + reportText(i).length, 0) / REPORTS);
    const call = (record: readonly fhir4.FhirResource[]) => decideCards(rules, {
      service, hook: 'patient-view', context: { patientId, userId: 'Practitioner/bench' },
      record: { patientId, resources: record }, draftOrders: [], selections: [], now: new Date('2026-11-21T09:00:00Z'),
    });
    const plain = resources;
    const withReports = [...resources, ...reports];
    const times: Record<'without' | 'with', number[]> = { without: [], with: [] };
    for (let i = 0; i < 50; i++) { call(plain); call(withReports); } // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, record] of [['without', plain], ['with', withReports]] as const) {
        for (let k = 0; k < CALLS_PER_ROUND; k++) {
          const t0 = performance.now();
          call(record);
          times[name].push(performance.now() - t0);
        }
      }
    }
    const p50 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
    const withoutP50 = p50(times.without);
    const withP50 = p50(times.with);
    return { withoutP50, withP50, addedMs: withP50 - withoutP50, ratio: withP50 / withoutP50, reportBytes };
  })();
}
