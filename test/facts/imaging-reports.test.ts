/**
 * Imaging studies from radiology DiagnosticReports, DocumentReferences and Procedures (design.md
 * section 5, issue 18 item 3): what a US Core server keeps when it offers no ImagingStudy. The
 * facts read modality, hip and side from the code (rules/valuesets/imaging-studies.json), else
 * from the code text or the report title (EN, ZH); the same study seen twice counts once; and a
 * patient whose only imaging is an MRI report has a study on record for the follow-up.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { extractFacts } from '../../src/facts/index.js';
import { condition, LOINC, valueSets } from './helpers.js';

type R = fhir4.FhirResource;
const subject = { reference: 'Patient/p1' };
const RADIOLOGY = [{ coding: [{ system: LOINC, code: 'LP29684-5', display: 'Radiology' }] }];
const CPT = 'http://www.ama-assn.org/go/cpt';

const patient: R = { resourceType: 'Patient', id: 'p1', gender: 'male', birthDate: '1978-03-14' };
const onfhRight = condition('c-right', 'M87.051', { onsetDateTime: '2026-06-02' });
const onfhBoth = [onfhRight, condition('c-left', 'M87.052', { onsetDateTime: '2026-06-02' })];

function report(id: string, extra: Record<string, unknown>): R {
  return { resourceType: 'DiagnosticReport', id, status: 'final', subject, category: RADIOLOGY, effectiveDateTime: '2026-06-01T09:30:00Z', ...extra } as R;
}

/** The studies of each hip as the facts list them: "modality date ref". */
function studies(resources: readonly R[], now = '2026-11-21'): Record<string, string[]> {
  const facts = extractFacts({ patientId: 'p1', resources: [patient, ...resources] }, valueSets(), now);
  return Object.fromEntries(facts.hips.map((h) => [h.side, h.imaging.map((i) => `${i.modality} ${i.date} ${i.ref}`)]));
}

describe('imaging studies from reports, documents and procedures', () => {
  it('an MRI report named only by its title text (Epic style) is an MRI of that hip', () => {
    expect(studies([onfhRight, report('r1', { code: { text: 'MRI HIP RIGHT WO CONTRAST' } })])).toEqual({ right: ['MR 2026-06-01 DiagnosticReport/r1'] });
  });

  it('a LOINC-coded report: modality and side from the code (MR Hip - left), whatever the text says', () => {
    const r = report('r2', { code: { coding: [{ system: LOINC, code: '36020-6', display: 'MR Hip - left' }], text: 'Hip study' } });
    expect(studies([...onfhBoth, r])).toEqual({ left: ['MR 2026-06-01 DiagnosticReport/r2'], right: [] });
  });

  it('a pelvis radiograph (v2-0074 RAD, LOINC 30770-2) counts for both hips', () => {
    const r = report('r3', {
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD' }] }],
      code: { coding: [{ system: LOINC, code: '30770-2' }], text: 'XR Pelvis and Left Hip' },
    });
    expect(studies([...onfhBoth, r])).toEqual({ left: ['CR 2026-06-01 DiagnosticReport/r3'], right: ['CR 2026-06-01 DiagnosticReport/r3'] });
  });

  it('a report in Chinese: 右髋关节磁共振 is an MRI of the right hip, 骨盆CT a CT of both', () => {
    const mri = report('zh1', { code: { text: '右髋关节磁共振平扫' } });
    const ct = report('zh2', { code: { text: '骨盆CT' }, effectiveDateTime: '2026-07-01' });
    expect(studies([...onfhBoth, mri, ct])).toEqual({
      left: ['CT 2026-07-01 DiagnosticReport/zh2'],
      right: ['MR 2026-06-01 DiagnosticReport/zh1', 'CT 2026-07-01 DiagnosticReport/zh2'],
    });
  });

  it('a CPT-coded Procedure: 73502 (one hip, 2-3 views) with the side from its text; 73721 (any leg joint) only when the text says hip', () => {
    const xr: R = { resourceType: 'Procedure', id: 'p-xr', status: 'completed', subject, code: { coding: [{ system: CPT, code: '73502' }], text: 'XR Hip Left 2-3 Views' }, performedDateTime: '2026-03-09' };
    const kneeMri: R = { resourceType: 'Procedure', id: 'p-knee', status: 'completed', subject, code: { coding: [{ system: CPT, code: '73721' }], text: 'MRI knee left' }, performedDateTime: '2026-04-01' };
    const hipMri: R = { resourceType: 'Procedure', id: 'p-hip', status: 'completed', subject, code: { coding: [{ system: CPT, code: '73721' }], text: 'MRI left hip' }, performedDateTime: '2026-05-01' };
    expect(studies([...onfhBoth, xr, kneeMri, hipMri])).toEqual({ left: ['CR 2026-03-09 Procedure/p-xr', 'MR 2026-05-01 Procedure/p-hip'], right: [] });
  });

  it('a radiology DocumentReference (LOINC 18748-4) is read by its description', () => {
    const doc: R = {
      resourceType: 'DocumentReference',
      id: 'd1',
      status: 'current',
      subject,
      type: { coding: [{ system: LOINC, code: '18748-4', display: 'Diagnostic imaging study' }] },
      description: 'CT of both hips',
      date: '2026-05-20T10:00:00Z',
      content: [{ attachment: { contentType: 'text/plain', data: Buffer.from('CT both hips: no collapse.').toString('base64') } }],
    };
    expect(studies([...onfhBoth, doc])).toEqual({ left: ['CT 2026-05-20 DocumentReference/d1'], right: ['CT 2026-05-20 DocumentReference/d1'] });
  });

  it('not hip imaging: a lab report, a knee MRI report, a cancelled report, a procedure that is no imaging', () => {
    const lab = report('lab', { category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB' }] }], code: { text: 'CBC with platelets' } });
    const knee = report('knee', { code: { text: 'MRI right knee' } });
    const cancelled = report('cancelled', { status: 'cancelled', code: { text: 'MRI right hip' } });
    const surgery: R = { resourceType: 'Procedure', id: 'cd', status: 'completed', subject, code: { text: 'Core decompression right hip' }, performedDateTime: '2026-04-01' };
    expect(studies([onfhRight, lab, knee, cancelled, surgery])).toEqual({ right: [] });
  });

  it('the same study seen twice (its ImagingStudy and its report, same date and modality) counts once; the ImagingStudy is kept', () => {
    const study: R = {
      resourceType: 'ImagingStudy',
      id: 's1',
      status: 'available',
      subject,
      started: '2026-06-01T09:00:00Z',
      modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'MR' }],
      description: 'MRI right hip',
    };
    const r = report('r1', { code: { text: 'MRI HIP RIGHT WO CONTRAST' }, imagingStudy: [{ reference: 'ImagingStudy/s1' }] });
    const later = report('r-later', { code: { text: 'MRI HIP RIGHT' }, effectiveDateTime: '2026-09-01' });
    expect(studies([onfhRight, r, study, later])).toEqual({ right: ['MR 2026-06-01 ImagingStudy/s1', 'MR 2026-09-01 DiagnosticReport/r-later'] });
    // a report and a Procedure of the same radiograph: once
    const xrReport = report('xr', { code: { coding: [{ system: LOINC, code: '26130-5' }] }, effectiveDateTime: '2026-03-09' });
    const xrProcedure: R = { resourceType: 'Procedure', id: 'xr-p', status: 'completed', subject, code: { coding: [{ system: CPT, code: '73521' }] }, performedDateTime: '2026-03-09T16:20:00Z' };
    expect(studies([onfhRight, xrReport, xrProcedure])).toEqual({ right: ['CR 2026-03-09 DiagnosticReport/xr'] });
  });
});

describe('a patient whose only imaging is an MRI report: follow-up from that study', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildApp(testConfig(), { now: () => new Date('2026-08-01T10:00:00Z') });
  });
  afterAll(() => app.close());
  const mriReport = report('r1', { code: { text: 'MRI HIP RIGHT WO CONTRAST' } });
  const bundle = (resources: readonly R[]) => ({ resourceType: 'Bundle', type: 'collection', entry: [patient, ...resources].map((resource) => ({ resource })) });

  it('the assessment: last study the report date, next MRI due three months on (within 6 months of diagnosis, imaging-follow-up rules)', async () => {
    const without = await app.inject({ method: 'POST', url: '/assessment?now=2026-08-01', payload: bundle([onfhRight]) });
    expect(without.json<{ hips: { followUp: unknown }[] }>().hips[0]?.followUp).toMatchObject({ modality: 'MR', lastStudy: null, due: '2026-08-01', overdue: true });
    const res = await app.inject({ method: 'POST', url: '/assessment?now=2026-08-01', payload: bundle([onfhRight, mriReport]) });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ hips: { followUp: unknown }[] }>().hips[0]?.followUp).toMatchObject({ modality: 'MR', intervalMonths: 3, lastStudy: '2026-06-01', due: '2026-09-01', overdue: false });
  });

  it('the cards: no "no imaging on record" warning; the summary says when the next MRI is due', async () => {
    const call = (resources: readonly R[]) =>
      app.inject({
        method: 'POST',
        url: '/cds-services/onfh-patient-view',
        payload: {
          hook: 'patient-view',
          hookInstance: '0b1f7e3c-5a2d-4c8e-9f61-2d3c4b5a6e7f',
          context: { userId: 'Practitioner/dr-1', patientId: 'p1' },
          prefetch: { patient, conditions: { resourceType: 'Bundle', type: 'searchset', entry: [onfhRight].map((resource) => ({ resource })) }, radiologyReports: { resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource })) } },
        },
      });
    const before = (await call([])).json<{ cards: { summary: string; detail: string }[] }>().cards;
    expect(before.map((c) => c.summary)).toContain('Order MRI: no imaging of the right hip on record');
    const after = (await call([mriReport])).json<{ cards: { summary: string; detail: string }[] }>().cards;
    expect(after.map((c) => c.summary).join('\n')).not.toContain('No imaging');
    expect(after.map((c) => c.detail).join('\n')).toContain('due 2026-09-01 (every 3 months; last 2026-06-01)');
  });
});
