/**
 * patient-view cards for hand-built patients. Every expected response is written out from
 * clinical-spec.md (sections 5, 7, 8, 9, 10) and design.md section 1, not captured from output;
 * uuids come from the injected sequence (card first, then its suggestions, card by card).
 */
import { describe, expect, it } from 'vitest';
import { patientViewCards } from '../../src/cards/index.js';
import { checkCardRules, type Card } from '../../src/cds-hooks/card.js';
import {
  CD_COMBINATIONS, CD_WEIGHT_BEARING, GUIDELINE_URL, MINIMALLY_INVASIVE, context, followUp, gap, hip, patient,
  recommendations, stage, u,
} from './fixtures.js';
import type { Assessment, ModalityId, Recommendation } from '../../src/engine/types.js';

// ---------------------------------------------------------------------------------------------
// What every card carries (design.md section 1)

// clinical-spec.md 14: the label names the guideline only (versions in the extension)
const SOURCE = { label: 'Non-surgical ONFH guideline 2025', url: GUIDELINE_URL };
const EXTENSION = {
  'onfh-cds/rules': [
    { id: 'arco-2019', version: '2025.1.0' },
    { id: 'gl2025-modalities', version: '2025.1.0' },
    { id: 'follow-up', version: '2025.1.0' },
  ],
};
const GUIDELINE_LINKS = [{ label: 'Every option with its source (rules and guideline)', url: GUIDELINE_URL, type: 'absolute' }];
const OVERRIDE = 'http://onfh-cds.org/fhir/CodeSystem/override-reason';
const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';

const IMAGING_OVERRIDES = [
  { system: OVERRIDE, code: 'imaging-scheduled', display: 'Imaging already scheduled or done elsewhere' },
  { system: OVERRIDE, code: 'patient-declined', display: 'Patient declined imaging' },
  { system: OVERRIDE, code: 'surgery-planned', display: 'Surgery done or planned for this hip' },
];
const SURGICAL_OVERRIDES = [
  { system: OVERRIDE, code: 'already-referred', display: 'Already under orthopaedic care or referred' },
  { system: OVERRIDE, code: 'patient-declined', display: 'Patient declines surgical evaluation' },
  { system: OVERRIDE, code: 'surgery-not-appropriate', display: 'Surgery contraindicated or not appropriate now' },
];
const STEROID_OVERRIDES = [
  { system: OVERRIDE, code: 'corticosteroid-required', display: 'Corticosteroid required for another condition' },
  { system: OVERRIDE, code: 'dose-reviewed', display: 'Dose and duration already reviewed' },
];

const INTERVAL_SOURCE =
  '_Study and interval: FAQ and SMALL (radiograph every 3 months, MRI every 6–12 months in cohort protocols). GL2025 grades no imaging interval._';
const GRADE_FOOTER = '_GRADE (GL2025 Table 1): evidence A high to D very low; strength 1 strong, 2 weak, 3 no clear recommendation._';
const SURGICAL_SOURCES =
  '_Sources: TCM (signs of progression needing surgical intervention); GL2025 Table 4 and SMALL (ARCO 3B–4 with pain or loss of function: joint replacement to discuss); FAQ (progression on serial imaging)._';

const ONFH = { system: SNOMED, code: '203476003', display: 'Avascular necrosis of the head of femur' };
const IMAGING_CATEGORY = [{ coding: [{ system: SNOMED, code: '363679005', display: 'Imaging' }] }];

// ---------------------------------------------------------------------------------------------
// Recommendation blocks of the summary card (clinical-spec.md 5 and 14: strongest first, at most six,
// the rest counted and linked; GL2025 Tables 5–11)

const NOT_RECOMMENDED = '**Not recommended**: zoledronic acid A1, alendronate A1 (do not improve ONFH outcomes, GL2025 Table 6).';
/** A paragraph of its own after the list (a line right after it would continue its last item). */
const more = (n: number, left: string): string => `\n…and ${String(n)} more options (${left}): [every option with its source](${GUIDELINE_URL}).`;
const SELF_MANAGEMENT = 'self-management (protected weight bearing, walking aids) A1';
/** The strongest six for a pre-collapse hip (Chinese I–III): A1 in GL2025's order. */
const OPTIONS_PRE_COLLAPSE = [
  '**Options, strongest first**',
  `1. ${SELF_MANAGEMENT}`,
  '2. rehabilitation exercise A1',
  '3. Xianling Gubao capsules A1 (availability varies by country)',
  '4. cervus and cucumis polypeptide injection A1 (availability varies by country)',
].join('\n');

/** Chinese I–II (25 options apply: 6 shown, 19 counted). */
const PLAN_EARLY = [
  [OPTIONS_PRE_COLLAPSE, '5. ESWT A1', '6. hyperbaric oxygen (adjunct) A1', more(19, '4 more at A1, then weaker')].join('\n'),
  NOT_RECOMMENDED,
].join('\n\n');

/** Chinese IV–V, ARCO 3B–4: drugs and minimally invasive care no longer apply; CD contraindicated. */
const PLAN_POST_COLLAPSE = [
  ['**Options, strongest first**', `1. ${SELF_MANAGEMENT}`, '2. rehabilitation exercise A1', '3. hyperbaric oxygen (adjunct) A1',
    '4. health education B1', '5. psychological support B1', '6. PEMF (adjunct) B2 — to consider', more(3, '3 more at B2')].join('\n'),
  NOT_RECOMMENDED,
  '**Contraindicated for this patient**: core decompression A1 (collapse > 2 mm).',
].join('\n\n');

function check(cards: Card[]): Card[] {
  for (const card of cards) expect(checkCardRules(card), card.summary).toStrictEqual([]);
  return cards;
}

function run(a: Assessment, ctx = context(a.patientId)): Card[] {
  return check(patientViewCards(a, ctx));
}

// ---------------------------------------------------------------------------------------------

describe('patient-view: out of scope', () => {
  it('says nothing for a patient without ONFH (clinical-spec.md section 1)', () => {
    expect(run(patient({ patientId: 'p09', inScope: false, hips: [] }))).toStrictEqual([]);
  });

  it('says nothing when no hip is affected even if flagged in scope', () => {
    expect(run(patient({ patientId: 'p09b', hips: [] }))).toStrictEqual([]);
  });
});

describe('patient-view: early disease', () => {
  it('p01 early unilateral, painless small lesion: one summary card, CD to consider, conservative care', () => {
    const cdConsider: Partial<Recommendation> = {
      status: 'consider',
      reasons: ['ARCO 1, no hip pain'],
      notes: [CD_WEIGHT_BEARING, 'Prophylactic decompression of asymptomatic small lesions is controversial; observation is an accepted alternative (SMALL)'],
      combinations: CD_COMBINATIONS,
    };
    const a = patient({
      patientId: 'p01',
      conservativeCare: { indicated: true, reasons: ['early-stage'] },
      hips: [hip({
        side: 'right', stage: stage('1', 'Ia'), sizeCategory: 'small', findings: { 'necrotic-extent': 12, 'mri-necrosis-sign': true },
        followUp: followUp({ modality: 'MR', intervalMonths: 6, lastStudy: '2026-09-10', due: '2027-03-10' }),
        recommendations: recommendations('I-II', { 'core-decompression': cdConsider }),
      })],
    });
    expect(run(a)).toStrictEqual([{
      uuid: u(1),
      summary: 'Conservative care: right hip ONFH, ARCO 1 / Chinese Ia, small lesion · next: MRI due 2027-03-10',
      detail: [
        [
          '| | Right hip |',
          '|---|---|',
          '| Stage | ARCO 1 / Chinese Ia |',
          '| Lesion size | small (12 % of head) |',
          '| Next imaging | MRI of the right hip, due 2027-03-10 (every 6 months; last 2026-09-10) |',
        ].join('\n'),
        '**Conservative care is the indicated path**: early stage (ARCO 1–2), femoral head and joint space preserved (TCM).',
        // core decompression A1 to consider only (clinical-spec.md 5.1, 14): after the recommended A1 options, with its reason
        PLAN_EARLY.split('\n\n').slice(0, 2).join('\n\n'), // the options and the count of the rest
        '**Strong options to consider only**: core decompression A1: ARCO 1, no hip pain. Prophylactic decompression of asymptomatic small lesions is controversial; observation is an accepted alternative (SMALL).',
        NOT_RECOMMENDED,
        GRADE_FOOTER,
      ].join('\n\n'),
      indicator: 'info',
      source: SOURCE,
      links: GUIDELINE_LINKS,
      extension: EXTENSION,
    }]);
  });

  it('p02 painful medium ARCO 2 with smoking and overweight; no guideline URL → no source.url, no links', () => {
    const a = patient({
      patientId: 'p02',
      riskFactors: [
        { id: 'smoking', evidence: 'Observation/smoke-1' },
        { id: 'overweight', evidence: 'Observation/bmi-1: BMI 27.4', basis: 'secondary source' },
      ],
      hips: [hip({
        side: 'right', stage: stage('2', 'IIb'), sizeCategory: 'medium', findings: { 'necrotic-extent': 22, 'xray-abnormal': true },
        followUp: followUp({ modality: 'XR', lastStudy: '2026-10-15', due: '2027-01-15' }),
      })],
    });
    const cards = run(a, context('p02', { guideline: { label: 'Non-surgical ONFH guideline 2025' } }));
    expect(cards).toStrictEqual([{
      uuid: u(1),
      summary: 'Right hip ONFH: ARCO 2 / Chinese IIb, medium lesion · next: radiographs due 2027-01-15',
      detail: [
        [
          '| | Right hip |',
          '|---|---|',
          '| Stage | ARCO 2 / Chinese IIb |',
          '| Lesion size | medium (22 % of head) |',
          '| Next imaging | radiographs of both hips (AP and frog-leg lateral), due 2027-01-15 (every 3 months; last 2026-10-15) |',
        ].join('\n'),
        PLAN_EARLY.replace(more(19, '4 more at A1, then weaker'), '\n…and 19 more options (4 more at A1, then weaker).'), // no URL: counted, not linked
        '**Risk factors to address**: smoking (cessation), overweight (weight reduction).',
        GRADE_FOOTER,
      ].join('\n\n'),
      indicator: 'info',
      source: { label: 'Non-surgical ONFH guideline 2025' },
      extension: EXTENSION,
    }]);
  });

  it('p03 bilateral, mixed stages: one column per hip, per-hip differences named', () => {
    const a = patient({
      patientId: 'p03',
      conservativeCare: { indicated: true, reasons: ['early-stage'] },
      hips: [
        hip({
          side: 'right', stage: stage('2', 'IIc'), sizeCategory: 'large', findings: { 'necrotic-extent': 35 },
          followUp: followUp({ modality: 'XR', lastStudy: '2026-10-05', due: '2027-01-05' }),
          progressionRisk: { high: true, factors: ['lesion > 30 % of head'] },
          recommendations: recommendations('I-II', { 'core-decompression': { status: 'contraindicated', reasons: ['involvement > 30 %'], notes: undefined, combinations: undefined } }),
        }),
        hip({
          side: 'left', stage: stage('1', 'Ia'), sizeCategory: 'small', findings: { 'necrotic-extent': 10 },
          followUp: followUp({ modality: 'MR', intervalMonths: 6, lastStudy: '2026-09-01', due: '2027-03-01' }),
        }),
      ],
    });
    expect(run(a)).toStrictEqual([{
      uuid: u(1),
      summary: 'Conservative care: ONFH, right ARCO 2 / Chinese IIc, left ARCO 1 / Chinese Ia · next: radiographs due 2027-01-05',
      detail: [
        [
          '| | Right hip | Left hip |',
          '|---|---|---|',
          '| Stage | ARCO 2 / Chinese IIc | ARCO 1 / Chinese Ia |',
          '| Lesion size | large (35 % of head) | small (10 % of head) |',
          '| Next imaging | radiographs of both hips (AP and frog-leg lateral), due 2027-01-05 (every 3 months; last 2026-10-05) | MRI of the left hip, due 2027-03-01 (every 6 months; last 2026-09-01) |',
          '| Progression risk | high: lesion > 30 % of head | not high |',
        ].join('\n'),
        '**Conservative care is the indicated path**: early stage (ARCO 1–2), femoral head and joint space preserved (TCM).',
        // the six strongest are for both hips; core decompression (left only) is among the 19 counted
        PLAN_EARLY,
        '**Contraindicated for this patient**: core decompression A1 (involvement > 30 %; right hip only).',
        GRADE_FOOTER,
      ].join('\n\n'),
      indicator: 'info',
      source: SOURCE,
      links: GUIDELINE_LINKS,
      extension: EXTENSION,
    }]);
  });

  it('p13 active malignancy: the seven minimally invasive interventions and CD contraindicated, on one line', () => {
    const malignancy: Partial<Recommendation> = { status: 'contraindicated', reasons: ['active malignancy'], notes: undefined, combinations: undefined };
    const overrides = Object.fromEntries([...MINIMALLY_INVASIVE, 'core-decompression'].map((m) => [m, malignancy])) as Partial<Record<ModalityId, Partial<Recommendation>>>;
    const a = patient({
      patientId: 'p13',
      hips: [hip({
        side: 'right', stage: stage('2', 'IIb'), sizeCategory: 'medium', findings: { 'necrotic-extent': 20 },
        followUp: followUp({ modality: 'XR', lastStudy: '2026-11-01', due: '2027-02-01' }),
        recommendations: recommendations('I-II', overrides),
      })],
    });
    expect(run(a)).toStrictEqual([{
      uuid: u(1),
      summary: 'Right hip ONFH: ARCO 2 / Chinese IIb, medium lesion · next: radiographs due 2027-02-01',
      detail: [
        [
          '| | Right hip |',
          '|---|---|',
          '| Stage | ARCO 2 / Chinese IIb |',
          '| Lesion size | medium (20 % of head) |',
          '| Next imaging | radiographs of both hips (AP and frog-leg lateral), due 2027-02-01 (every 3 months; last 2026-11-01) |',
        ].join('\n'),
        PLAN_EARLY.replace(more(19, '4 more at A1, then weaker'), more(11, 'weaker evidence or strength')),
        '**Contraindicated for this patient**: PRP injection A1, BMAC A1, BMMSCs A1, core decompression A1, SVF B1, ozone injection B1, BMMNCs A2, pulsed radiofrequency B2 (active malignancy).',
        GRADE_FOOTER,
      ].join('\n\n'),
      indicator: 'info',
      source: SOURCE,
      links: GUIDELINE_LINKS,
      extension: EXTENSION,
    }]);
  });

  it('p14 stage recorded by a clinician, no findings: marked "(recorded)", size unknown, CD to consider at ARCO 3A', () => {
    const a = patient({
      patientId: 'p14',
      hips: [hip({
        side: 'right',
        stage: { arco: '3A', chinese: null, source: 'recorded', recorded: { arco: '3A', chinese: null, text: 'ARCO 3A' } },
        followUp: followUp({ modality: 'XR', lastStudy: '2026-09-15', due: '2026-12-15' }),
        phase: 'III',
      })],
    });
    expect(run(a)).toStrictEqual([{
      uuid: u(1),
      summary: 'Right hip ONFH: ARCO 3A (recorded) · next: radiographs due 2026-12-15',
      detail: [
        [
          '| | Right hip |',
          '|---|---|',
          '| Stage | ARCO 3A (recorded) |',
          '| Lesion size | unknown |',
          '| Next imaging | radiographs of both hips (AP and frog-leg lateral), due 2026-12-15 (every 3 months; last 2026-09-15) |',
        ].join('\n'),
        // Chinese III: ESWT no longer applies, so PRP is the sixth; core decompression only to consider at ARCO 3A
        [OPTIONS_PRE_COLLAPSE, '5. hyperbaric oxygen (adjunct) A1', '6. PRP injection A1', more(18, '3 more at A1, then weaker')].join('\n'),
        '**Strong options to consider only**: core decompression A1: ARCO 3A.',
        NOT_RECOMMENDED,
        GRADE_FOOTER,
      ].join('\n\n'),
      indicator: 'info',
      source: SOURCE,
      links: GUIDELINE_LINKS,
      extension: EXTENSION,
    }]);
  });
});

describe('patient-view: surgical evaluation', () => {
  it('p04 post-collapse ARCO 3B with pain: referral card first, then the summary', () => {
    const a = patient({
      patientId: 'p04',
      hips: [hip({
        side: 'right', stage: stage('3B', 'IVb'), sizeCategory: 'medium', findings: { 'necrotic-extent': 25, 'collapse-depth': 3 },
        followUp: followUp({ modality: 'XR', lastStudy: '2026-10-01', due: '2027-01-01' }),
        surgicalEvaluation: { indicated: true, reasons: ['ARCO 3B with hip pain 6/10'] },
        phase: 'post-collapse',
      })],
    });
    expect(run(a)).toStrictEqual([
      {
        uuid: u(1),
        summary: 'Refer to orthopaedic surgery: surgical evaluation indicated for the right hip (ARCO 3B / Chinese IVb)',
        detail: [
          '**Right hip** (ARCO 3B / Chinese IVb)',
          '- ARCO 3B with hip pain 6/10',
          '',
          'Refer to an orthopaedic surgeon for surgical evaluation.',
          '',
          SURGICAL_SOURCES,
        ].join('\n'),
        indicator: 'warning',
        source: SOURCE,
        suggestions: [{
          label: 'Refer to orthopaedic surgery',
          uuid: u(2),
          actions: [{
            type: 'create',
            description: 'Create a draft referral to orthopaedic surgery: surgical evaluation of the right hip',
            resource: {
              resourceType: 'ServiceRequest',
              status: 'draft',
              intent: 'order',
              category: [{ coding: [{ system: SNOMED, code: '3457005', display: 'Patient referral' }] }],
              code: {
                coding: [{ system: SNOMED, code: '3457005', display: 'Patient referral' }],
                text: 'Orthopaedic surgery referral: surgical evaluation of the right hip (ONFH)',
              },
              subject: { reference: 'Patient/p04' },
              performerType: { text: 'Orthopaedic surgeon' },
              reasonCode: [{ coding: [ONFH], text: 'Osteonecrosis of the right femoral head' }],
              reasonReference: [{ reference: 'Condition/onfh-right' }],
            },
          }],
        }],
        selectionBehavior: 'at-most-one',
        overrideReasons: SURGICAL_OVERRIDES,
        extension: EXTENSION,
      },
      {
        uuid: u(3),
        summary: 'Surgical evaluation indicated: right hip ONFH, ARCO 3B / Chinese IVb, medium lesion · next: radiographs due 2027-01-01',
        detail: [
          [
            '| | Right hip |',
            '|---|---|',
            '| Stage | ARCO 3B / Chinese IVb |',
            '| Lesion size | medium (25 % of head) |',
            '| Next imaging | radiographs of both hips (AP and frog-leg lateral), due 2027-01-01 (every 3 months; last 2026-10-01) |',
          ].join('\n'),
          '**Surgical evaluation indicated** for the right hip (see the referral card).',
          PLAN_POST_COLLAPSE,
          GRADE_FOOTER,
        ].join('\n\n'),
        indicator: 'info',
        source: SOURCE,
        links: GUIDELINE_LINKS,
        extension: EXTENSION,
      },
    ]);
  });
});

describe('patient-view: both hips', () => {
  it('p19 both hips need surgical evaluation: one referral for both, each hip with its reasons; conservative care reasons in words', () => {
    const a = patient({
      patientId: 'p19',
      conservativeCare: { indicated: true, reasons: ['late-stage-bilateral', 'age-over-65-pain-not-severe', 'a reason the cards do not know'] },
      hips: [
        hip({ side: 'right', stage: stage('3B', 'IVb'), phase: 'post-collapse', surgicalEvaluation: { indicated: true, reasons: ['collapse with pain 5/10'] },
          followUp: followUp({ modality: 'XR', lastStudy: '2026-10-01', due: '2027-01-01' }) }),
        hip({ side: 'left', stage: stage('4', 'V'), phase: 'post-collapse', surgicalEvaluation: { indicated: true, reasons: ['joint space narrowing, Harris Hip Score 55'] },
          followUp: followUp({ modality: 'XR', lastStudy: '2026-10-01', due: '2027-01-01' }) }),
      ],
    });
    const [surgical, summary, ...rest] = run(a);
    expect(rest).toStrictEqual([]);
    expect(surgical?.summary).toBe('Refer to orthopaedic surgery: surgical evaluation indicated for both hips');
    expect(surgical?.detail).toBe([
      '**Right hip** (ARCO 3B / Chinese IVb)',
      '- collapse with pain 5/10',
      '',
      '**Left hip** (ARCO 4 / Chinese V)',
      '- joint space narrowing, Harris Hip Score 55',
      '',
      '**Conservative care also applies**: ARCO 3 or worse with both hips affected; over 65 with pain that is not severe; a reason the cards do not know (TCM). Weigh both with the surgeon.',
      '',
      'Refer to an orthopaedic surgeon for surgical evaluation.',
      '',
      SURGICAL_SOURCES,
    ].join('\n'));
    const referral = surgical?.suggestions?.[0]?.actions?.[0]?.resource;
    expect(referral?.['code']).toStrictEqual({
      coding: [{ system: SNOMED, code: '3457005', display: 'Patient referral' }],
      text: 'Orthopaedic surgery referral: surgical evaluation of both hips (ONFH)',
    });
    expect(referral?.['reasonCode']).toStrictEqual([
      { coding: [ONFH], text: 'Osteonecrosis of the right femoral head' },
      { coding: [ONFH], text: 'Osteonecrosis of the left femoral head' },
    ]);
    expect(referral?.['reasonReference']).toStrictEqual([{ reference: 'Condition/onfh-right' }, { reference: 'Condition/onfh-left' }]);
    // clinical-spec.md 14: surgery indicated → the summary says so; conservative care moves to the detail
    expect(summary?.summary).toMatch(/^Surgical evaluation indicated: /);
    expect(summary?.summary).not.toMatch(/conservative care/i);
    expect(summary?.detail).toContain(
      '**Surgical evaluation indicated** for both hips (see the referral card). Conservative care also applies: ARCO 3 or worse with both hips affected; over 65 with pain that is not severe; a reason the cards do not know (TCM). Weigh both with the surgeon.',
    );
  });
});

describe('patient-view: imaging follow-up', () => {
  it('p05 radiographs overdue: warning with a draft XR order, LOINC 30770-2, reason ONFH', () => {
    const a = patient({
      patientId: 'p05',
      hips: [hip({
        side: 'left', stage: stage('2', 'IIa'), sizeCategory: 'small', findings: { 'necrotic-extent': 8 },
        followUp: followUp({ modality: 'XR', lastStudy: '2026-07-01', due: '2026-10-01', overdue: true }),
      })],
    });
    const cards = run(a);
    expect(cards).toStrictEqual([
      {
        uuid: u(1),
        summary: 'Order radiographs: follow-up of the left hip overdue since 2026-10-01',
        detail: [
          '- **Left hip** (ARCO 2 / Chinese IIa): Radiographs of both hips (AP and frog-leg lateral) every 3 months: last study 2026-07-01, due 2026-10-01.',
          '',
          INTERVAL_SOURCE,
        ].join('\n'),
        indicator: 'warning',
        source: SOURCE,
        suggestions: [{
          label: 'Order radiographs of both hips (AP and frog-leg lateral)',
          uuid: u(2),
          actions: [{
            type: 'create',
            description: 'Create a draft order: radiographs of both hips (AP and frog-leg lateral); LOINC 30770-2; reason: ONFH',
            resource: {
              resourceType: 'ServiceRequest',
              status: 'draft',
              intent: 'order',
              category: IMAGING_CATEGORY,
              code: { coding: [{ system: LOINC, code: '30770-2' }], text: 'radiographs of both hips (AP and frog-leg lateral)' },
              subject: { reference: 'Patient/p05' },
              reasonCode: [{ coding: [ONFH], text: 'Osteonecrosis of the left femoral head' }],
              reasonReference: [{ reference: 'Condition/onfh-left' }],
            },
          }],
        }],
        selectionBehavior: 'at-most-one',
        overrideReasons: IMAGING_OVERRIDES,
        extension: EXTENSION,
      },
      {
        uuid: u(3),
        summary: 'Left hip ONFH: ARCO 2 / Chinese IIa, small lesion · next: radiographs overdue since 2026-10-01',
        detail: [
          [
            '| | Left hip |',
            '|---|---|',
            '| Stage | ARCO 2 / Chinese IIa |',
            '| Lesion size | small (8 % of head) |',
            '| Next imaging | radiographs of both hips (AP and frog-leg lateral), **overdue** since 2026-10-01 (every 3 months; last 2026-07-01) |',
          ].join('\n'),
          PLAN_EARLY,
          GRADE_FOOTER,
        ].join('\n\n'),
        indicator: 'info',
        source: SOURCE,
        links: GUIDELINE_LINKS,
        extension: EXTENSION,
      },
    ]);
  });

  it('p15 both hips overdue, different studies: two orders (XR bilateral, MRI right 36022-2), selectionBehavior any', () => {
    const a = patient({
      patientId: 'p15',
      hips: [
        hip({
          side: 'right', stage: stage('1', 'Ia'), sizeCategory: 'small', findings: { 'necrotic-extent': 12 },
          followUp: followUp({ modality: 'MR', intervalMonths: 6, lastStudy: '2026-03-01', due: '2026-09-01', overdue: true }),
        }),
        hip({
          side: 'left', stage: stage('2', 'IIa'), sizeCategory: 'small', findings: { 'necrotic-extent': 10 },
          followUp: followUp({ modality: 'XR', lastStudy: '2026-07-15', due: '2026-10-15', overdue: true }),
        }),
      ],
    });
    const [imaging, summary, ...rest] = run(a);
    expect(rest).toStrictEqual([]);
    expect(imaging).toStrictEqual({
      uuid: u(1),
      summary: 'Order MRI right hip and radiographs: follow-up of both hips overdue since 2026-09-01',
      detail: [
        '- **Right hip** (ARCO 1 / Chinese Ia): MRI of the right hip every 6 months: last study 2026-03-01, due 2026-09-01.',
        '- **Left hip** (ARCO 2 / Chinese IIa): Radiographs of both hips (AP and frog-leg lateral) every 3 months: last study 2026-07-15, due 2026-10-15.',
        '',
        INTERVAL_SOURCE,
      ].join('\n'),
      indicator: 'warning',
      source: SOURCE,
      suggestions: [
        {
          label: 'Order radiographs of both hips (AP and frog-leg lateral)',
          uuid: u(2),
          actions: [{
            type: 'create',
            description: 'Create a draft order: radiographs of both hips (AP and frog-leg lateral); LOINC 30770-2; reason: ONFH',
            resource: {
              resourceType: 'ServiceRequest', status: 'draft', intent: 'order', category: IMAGING_CATEGORY,
              code: { coding: [{ system: LOINC, code: '30770-2' }], text: 'radiographs of both hips (AP and frog-leg lateral)' },
              subject: { reference: 'Patient/p15' },
              reasonCode: [{ coding: [ONFH], text: 'Osteonecrosis of the left femoral head' }],
              reasonReference: [{ reference: 'Condition/onfh-left' }],
            },
          }],
        },
        {
          label: 'Order MRI of the right hip',
          uuid: u(3),
          actions: [{
            type: 'create',
            description: 'Create a draft order: MRI of the right hip; LOINC 36022-2; reason: ONFH',
            resource: {
              resourceType: 'ServiceRequest', status: 'draft', intent: 'order', category: IMAGING_CATEGORY,
              code: { coding: [{ system: LOINC, code: '36022-2' }], text: 'MRI of the right hip' },
              subject: { reference: 'Patient/p15' },
              reasonCode: [{ coding: [ONFH], text: 'Osteonecrosis of the right femoral head' }],
              reasonReference: [{ reference: 'Condition/onfh-right' }],
            },
          }],
        },
      ],
      selectionBehavior: 'any',
      overrideReasons: IMAGING_OVERRIDES,
      extension: EXTENSION,
    });
    expect(summary).toStrictEqual({
      uuid: u(4),
      summary: 'ONFH: right ARCO 1 / Chinese Ia, left ARCO 2 / Chinese IIa · next: MRI right hip overdue since 2026-09-01',
      detail: [
        [
          '| | Right hip | Left hip |',
          '|---|---|---|',
          '| Stage | ARCO 1 / Chinese Ia | ARCO 2 / Chinese IIa |',
          '| Lesion size | small (12 % of head) | small (10 % of head) |',
          '| Next imaging | MRI of the right hip, **overdue** since 2026-09-01 (every 6 months; last 2026-03-01) | radiographs of both hips (AP and frog-leg lateral), **overdue** since 2026-10-15 (every 3 months; last 2026-07-15) |',
        ].join('\n'),
        PLAN_EARLY,
        GRADE_FOOTER,
      ].join('\n\n'),
      indicator: 'info',
      source: SOURCE,
      links: GUIDELINE_LINKS,
      extension: EXTENSION,
    });
  });

  it('p16 traumatic left hip, collapse suspected: CT left 36018-0, reason with ICD-10-CM M87.252', () => {
    const a = patient({
      patientId: 'p16',
      hips: [hip({
        side: 'left', etiology: 'traumatic', stage: stage('2', 'IIb'), sizeCategory: 'medium', findings: { 'necrotic-extent': 25, 'bone-marrow-edema': true },
        followUp: followUp({ modality: 'CT', lastStudy: '2026-08-01', due: '2026-11-01', overdue: true, reasons: ['bone marrow edema: collapse suspected'] }),
        progressionRisk: { high: true, factors: ['bone-marrow-edema'] },
      })],
    });
    const [imaging, summary, ...rest] = run(a);
    expect(rest).toStrictEqual([]);
    expect(imaging).toStrictEqual({
      uuid: u(1),
      summary: 'Order CT: follow-up of the left hip overdue since 2026-11-01',
      detail: [
        '- **Left hip** (ARCO 2 / Chinese IIb): CT of the left hip every 3 months: last study 2026-08-01, due 2026-11-01. Why: bone marrow edema: collapse suspected.',
        '',
        INTERVAL_SOURCE,
      ].join('\n'),
      indicator: 'warning',
      source: SOURCE,
      suggestions: [{
        label: 'Order CT of the left hip',
        uuid: u(2),
        actions: [{
          type: 'create',
          description: 'Create a draft order: CT of the left hip; LOINC 36018-0; reason: ONFH',
          resource: {
            resourceType: 'ServiceRequest', status: 'draft', intent: 'order', category: IMAGING_CATEGORY,
            code: { coding: [{ system: LOINC, code: '36018-0' }], text: 'CT of the left hip' },
            subject: { reference: 'Patient/p16' },
            reasonCode: [{ coding: [ONFH, { system: ICD10CM, code: 'M87.252' }], text: 'Osteonecrosis of the left femoral head' }],
            reasonReference: [{ reference: 'Condition/onfh-left' }],
          },
        }],
      }],
      selectionBehavior: 'at-most-one',
      overrideReasons: IMAGING_OVERRIDES,
      extension: EXTENSION,
    });
    expect(summary?.summary).toBe('Left hip ONFH: ARCO 2 / Chinese IIb, medium lesion · next: CT overdue since 2026-11-01');
    expect(summary?.detail).toContain('| Progression risk | high: bone marrow edema |');
    expect(summary?.detail).toContain('| Next imaging | CT of the left hip, **overdue** since 2026-11-01 (every 3 months; last 2026-08-01) |');
  });

  it('p10 no staging findings and no imaging: one bilateral MRI (36017-2), the data gap folded into the imaging card', () => {
    const unstaged = recommendations('post-collapse', { 'core-decompression': { status: 'not-applicable', reasons: ['stage unknown'] } });
    const a = patient({
      patientId: 'p10',
      hips: [hip({
        side: 'right', stage: stage(null, null, null),
        followUp: followUp({ modality: 'MR', lastStudy: null, due: '2026-11-20', overdue: true }),
        recommendations: unstaged,
      })],
      dataGaps: [gap('staging-findings-missing', 'right', 'No staging findings for the right hip')],
    });
    expect(run(a)).toStrictEqual([
      {
        uuid: u(1),
        summary: 'Order MRI: no imaging of the right hip on record',
        detail: [
          '- **Right hip** (stage unknown): MRI of both hips: no imaging on record, due now.',
          '- **Right hip**: cannot be staged, no staging findings on record. MRI is the diagnostic and staging study (GL2025 3.5.1; SMALL).',
          '',
          INTERVAL_SOURCE,
        ].join('\n'),
        indicator: 'warning',
        source: SOURCE,
        suggestions: [{
          label: 'Order MRI of both hips',
          uuid: u(2),
          actions: [{
            type: 'create',
            description: 'Create a draft order: MRI of both hips; LOINC 36017-2; reason: ONFH',
            resource: {
              resourceType: 'ServiceRequest', status: 'draft', intent: 'order', category: IMAGING_CATEGORY,
              code: { coding: [{ system: LOINC, code: '36017-2' }], text: 'MRI of both hips' },
              subject: { reference: 'Patient/p10' },
              reasonCode: [{ coding: [ONFH], text: 'Osteonecrosis of the right femoral head' }],
              reasonReference: [{ reference: 'Condition/onfh-right' }],
            },
          }],
        }],
        selectionBehavior: 'at-most-one',
        overrideReasons: IMAGING_OVERRIDES,
        extension: EXTENSION,
      },
      {
        uuid: u(3),
        summary: 'Right hip ONFH: stage unknown · next: MRI due now',
        detail: [
          [
            '| | Right hip |',
            '|---|---|',
            '| Stage | stage unknown |',
            '| Lesion size | unknown |',
            '| Next imaging | MRI of both hips, **due now** (no imaging on record) |',
          ].join('\n'),
          // the staging gap has its own card (the MRI): not repeated here (clinical-spec.md 14)
          PLAN_POST_COLLAPSE.replace('\n\n**Contraindicated for this patient**: core decompression A1 (collapse > 2 mm).', ''),
          GRADE_FOOTER,
        ].join('\n\n'),
        indicator: 'info',
        source: SOURCE,
        links: GUIDELINE_LINKS,
        extension: EXTENSION,
      },
    ]);
  });

  it('p12 MRI overdue on the right and the left hip never imaged: one bilateral MRI covers both', () => {
    const a = patient({
      patientId: 'p12',
      hips: [hip({
        side: 'right', stage: stage('1', 'Ia'), sizeCategory: 'small', findings: { 'necrotic-extent': 10 },
        followUp: followUp({ modality: 'MR', intervalMonths: 6, lastStudy: '2026-04-01', due: '2026-10-01', overdue: true }),
      })],
      dataGaps: [gap('contralateral-hip-not-imaged', 'left', 'Left hip has no MRI on record')],
    });
    const [imaging, summary, ...rest] = run(a);
    expect(rest).toStrictEqual([]);
    expect(imaging).toStrictEqual({
      uuid: u(1),
      summary: 'Order MRI: follow-up of the right hip overdue since 2026-10-01',
      detail: [
        '- **Right hip** (ARCO 1 / Chinese Ia): MRI of the right hip every 6 months: last study 2026-04-01, due 2026-10-01.',
        '- **Left hip**: no MRI on record. Non-traumatic ONFH is often bilateral (70–80 %), so both hips need evaluation (SMALL).',
        '',
        INTERVAL_SOURCE,
      ].join('\n'),
      indicator: 'warning',
      source: SOURCE,
      suggestions: [{
        label: 'Order MRI of both hips',
        uuid: u(2),
        actions: [{
          type: 'create',
          description: 'Create a draft order: MRI of both hips; LOINC 36017-2; reason: ONFH',
          resource: {
            resourceType: 'ServiceRequest', status: 'draft', intent: 'order', category: IMAGING_CATEGORY,
            code: { coding: [{ system: LOINC, code: '36017-2' }], text: 'MRI of both hips' },
            subject: { reference: 'Patient/p12' },
            reasonCode: [{ coding: [ONFH], text: 'Osteonecrosis of the right femoral head' }],
            reasonReference: [{ reference: 'Condition/onfh-right' }],
            note: [{ text: 'Contralateral left hip: non-traumatic ONFH is often bilateral (70–80 %, SMALL).' }],
          },
        }],
      }],
      selectionBehavior: 'at-most-one',
      overrideReasons: IMAGING_OVERRIDES,
      extension: EXTENSION,
    });
    expect(summary?.summary).toBe('Right hip ONFH: ARCO 1 / Chinese Ia, small lesion · next: MRI overdue since 2026-10-01');
    // the other hip's MRI is said once, on the imaging card (clinical-spec.md 14), not again in the summary
    expect(summary?.detail).not.toContain('Left hip has no MRI on record');
  });
});

describe('patient-view: a study that cannot be ordered', () => {
  it('p20 CT due for a hip of unrecorded side: the card says why there is no order button', () => {
    const a = patient({
      patientId: 'p20',
      hips: [hip({
        side: 'unknown', stage: stage('2', 'II'), findings: { 'bone-marrow-edema': true },
        followUp: followUp({ modality: 'CT', lastStudy: '2026-07-01', due: '2026-10-01', overdue: true }),
      })],
    });
    const [imaging] = run(a);
    expect(imaging).toStrictEqual({
      uuid: u(1),
      summary: 'Order CT: follow-up of the hip of unrecorded side overdue since 2026-10-01',
      detail: [
        '- **Hip (side not recorded)** (ARCO 2 / Chinese II): CT of the hip (side not recorded) every 3 months: last study 2026-07-01, due 2026-10-01.',
        '- CT of the hip (side not recorded) cannot be ordered until the side of the diagnosis is recorded.',
        '',
        INTERVAL_SOURCE,
      ].join('\n'),
      indicator: 'warning',
      source: SOURCE,
      overrideReasons: IMAGING_OVERRIDES,
      extension: EXTENSION,
    });
  });
});

describe('patient-view: data gaps', () => {
  it('p06 contralateral hip never imaged: info card with a draft MRI of the left hip (36020-6)', () => {
    const a = patient({
      patientId: 'p06',
      hips: [hip({
        side: 'right', stage: stage('1', 'Ib'), sizeCategory: 'medium', findings: { 'necrotic-extent': 18 },
        followUp: followUp({ modality: 'MR', lastStudy: '2026-10-01', due: '2027-01-01' }),
      })],
      dataGaps: [gap('contralateral-hip-not-imaged', 'left', 'Left hip has no MRI on record (non-traumatic ONFH is bilateral in 70–80 %)')],
    });
    expect(run(a)).toStrictEqual([
      {
        uuid: u(1),
        summary: 'Right hip ONFH: ARCO 1 / Chinese Ib, medium lesion · next: MRI due 2027-01-01',
        detail: [
          [
            '| | Right hip |',
            '|---|---|',
            '| Stage | ARCO 1 / Chinese Ib |',
            '| Lesion size | medium (18 % of head) |',
            '| Next imaging | MRI of the right hip, due 2027-01-01 (every 3 months; last 2026-10-01) |',
          ].join('\n'),
          PLAN_EARLY, // the other hip's MRI is its own card's (below), not repeated here (clinical-spec.md 14)
          GRADE_FOOTER,
        ].join('\n\n'),
        indicator: 'info',
        source: SOURCE,
        links: GUIDELINE_LINKS,
        extension: EXTENSION,
      },
      {
        uuid: u(2),
        summary: 'Order MRI of the left hip: never imaged by MRI, and non-traumatic ONFH is often bilateral (70–80 %)',
        detail: '- **Left hip**: no MRI on record. Non-traumatic ONFH is often bilateral (70–80 %), so both hips need evaluation (SMALL).',
        indicator: 'info',
        source: SOURCE,
        suggestions: [{
          label: 'Order MRI of the left hip',
          uuid: u(3),
          actions: [{
            type: 'create',
            description: 'Create a draft order: MRI of the left hip; LOINC 36020-6; reason: ONFH',
            resource: {
              resourceType: 'ServiceRequest', status: 'draft', intent: 'order', category: IMAGING_CATEGORY,
              code: { coding: [{ system: LOINC, code: '36020-6' }], text: 'MRI of the left hip' },
              subject: { reference: 'Patient/p06' },
              reasonCode: [{ coding: [ONFH], text: 'Osteonecrosis of the right femoral head' }],
              reasonReference: [{ reference: 'Condition/onfh-right' }],
              note: [{ text: 'Contralateral left hip: non-traumatic ONFH is often bilateral (70–80 %, SMALL).' }],
            },
          }],
        }],
        selectionBehavior: 'at-most-one',
        extension: EXTENSION,
      },
    ]);
  });

  it('p07 side not recorded: summary names no side, info card asks for the side, no order', () => {
    const a = patient({
      patientId: 'p07',
      hips: [hip({
        side: 'unknown', conditions: ['Condition/onfh-x'], stage: stage('1', 'I'), findings: { 'mri-necrosis-sign': true },
        followUp: followUp({ modality: 'MR', lastStudy: '2026-10-20', due: '2027-01-20' }),
        recommendations: recommendations('I-II', { 'core-decompression': { status: 'consider', reasons: ['ARCO 1–2, size unknown'], notes: [CD_WEIGHT_BEARING], combinations: CD_COMBINATIONS } }),
      })],
      dataGaps: [
        gap('side-unknown', 'unknown', 'Condition/onfh-x names no hip side'),
        gap('necrotic-extent-missing', 'unknown', 'Necrotic extent unknown: Chinese subtype and lesion size cannot be given'),
      ],
    });
    expect(run(a)).toStrictEqual([
      {
        uuid: u(1),
        summary: 'Hip ONFH (side not recorded): ARCO 1 / Chinese I · next: MRI due 2027-01-20',
        detail: [
          [
            '| | Hip (side not recorded) |',
            '|---|---|',
            '| Stage | ARCO 1 / Chinese I |',
            '| Lesion size | unknown |',
            '| Next imaging | MRI of the hip (side not recorded), due 2027-01-20 (every 3 months; last 2026-10-20) |',
          ].join('\n'),
          PLAN_EARLY.split('\n\n').slice(0, 2).join('\n\n'), // the options and the count of the rest
          '**Strong options to consider only**: core decompression A1: ARCO 1–2, size unknown.',
          NOT_RECOMMENDED,
          // the side gap has its own card (below): only the other gap is listed here (clinical-spec.md 14)
          '**Data to complete**\n- Necrotic extent unknown: Chinese subtype and lesion size cannot be given.',
          GRADE_FOOTER,
        ].join('\n\n'),
        indicator: 'info',
        source: SOURCE,
        links: GUIDELINE_LINKS,
        extension: EXTENSION,
      },
      {
        uuid: u(2),
        summary: 'Record the side of the ONFH diagnosis on the Condition: no hip is named',
        detail: '- **Side not recorded**: the ONFH diagnosis names no hip. Record the side on the Condition (code or body site) so findings, follow-up and orders can be attributed.',
        indicator: 'info',
        source: SOURCE,
        extension: EXTENSION,
      },
    ]);
  });
});

describe('patient-view: corticosteroid exposure', () => {
  it('p08 active prednisone: warning naming GL2025 3.3.2, advice marked as not graded, simvastatin B2 pointed out', () => {
    const a = patient({
      patientId: 'p08',
      riskFactors: [{ id: 'corticosteroid-exposure', evidence: 'MedicationRequest/pred-1: prednisone 20 mg daily' }],
      hips: [hip({
        side: 'right', etiology: 'drug-associated', stage: stage('1', 'Ib'), sizeCategory: 'medium', findings: { 'necrotic-extent': 20 },
        followUp: followUp({ modality: 'MR', lastStudy: '2026-10-10', due: '2027-01-10' }),
        recommendations: recommendations('I-II', { simvastatin: { notes: ['Especially for corticosteroid- or alcohol-associated ONFH'] } }),
      })],
    });
    expect(run(a)).toStrictEqual([
      {
        uuid: u(1),
        summary: 'Review the systemic corticosteroid with its prescriber: a common cause of non-traumatic ONFH',
        detail: [
          'An active systemic corticosteroid order or statement is on record.',
          '',
          'GL2025 3.3.2 names long-term corticosteroid use among the common precipitating factors of non-traumatic ONFH.',
          '',
          'Suggested by this service, not graded by GL2025: review whether the corticosteroid is still needed and, if it is, use the lowest effective dose for the shortest time.',
          '',
          'Simvastatin B2 may be considered: GL2025 3.7.2 gives it to reduce the risk of corticosteroid- or alcohol-induced osteonecrosis (Table 6).',
        ].join('\n'),
        indicator: 'warning',
        source: SOURCE,
        overrideReasons: STEROID_OVERRIDES,
        extension: EXTENSION,
      },
      {
        uuid: u(2),
        summary: 'Right hip ONFH: ARCO 1 / Chinese Ib, medium lesion · next: MRI due 2027-01-10',
        detail: [
          [
            '| | Right hip |',
            '|---|---|',
            '| Stage | ARCO 1 / Chinese Ib |',
            '| Lesion size | medium (20 % of head) |',
            '| Next imaging | MRI of the right hip, due 2027-01-10 (every 3 months; last 2026-10-10) |',
          ].join('\n'),
          PLAN_EARLY.replace('**Notes**\n', '**Notes**\n- Simvastatin: Especially for corticosteroid- or alcohol-associated ONFH.\n'),
          GRADE_FOOTER,
        ].join('\n\n'),
        indicator: 'info',
        source: SOURCE,
        links: GUIDELINE_LINKS,
        extension: EXTENSION,
      },
    ]);
  });
});

describe('patient-view: at most four cards', () => {
  it('p11 everything applies: surgical, imaging, corticosteroid, summary; the data-gap card gives way', () => {
    const a = patient({
      patientId: 'p11',
      riskFactors: [{ id: 'corticosteroid-exposure', evidence: 'MedicationRequest/mp-4: methylprednisolone 8 mg daily' }],
      hips: [hip({
        side: 'right', etiology: 'drug-associated', stage: stage('3B', 'IVc'), sizeCategory: 'large', findings: { 'necrotic-extent': 40, 'collapse-depth': 5 },
        followUp: followUp({ modality: 'XR', lastStudy: '2026-06-01', due: '2026-09-01', overdue: true }),
        surgicalEvaluation: { indicated: true, reasons: ['ARCO 3B with hip pain 7/10', 'Harris Hip Score 62'] },
        phase: 'post-collapse',
      })],
      dataGaps: [gap('contralateral-hip-not-imaged', 'left', 'Left hip has no MRI on record')],
    });
    const cards = run(a);
    expect(cards.map((c) => [c.indicator, c.summary])).toStrictEqual([
      ['warning', 'Refer to orthopaedic surgery: surgical evaluation indicated for the right hip (ARCO 3B / Chinese IVc)'],
      ['warning', 'Order radiographs: follow-up of the right hip overdue since 2026-09-01'],
      ['warning', 'Review the systemic corticosteroid with its prescriber: a common cause of non-traumatic ONFH'],
      ['info', 'Surgical evaluation indicated: right hip ONFH, ARCO 3B / Chinese IVc, large lesion · next: radiographs overdue since 2026-09-01'],
    ]);
    expect(cards.map((c) => c.uuid)).toStrictEqual([u(1), u(3), u(5), u(6)]);
    expect(cards[0]?.detail).toBe([
      '**Right hip** (ARCO 3B / Chinese IVc)',
      '- ARCO 3B with hip pain 7/10',
      '- Harris Hip Score 62',
      '',
      'Refer to an orthopaedic surgeon for surgical evaluation.',
      '',
      SURGICAL_SOURCES,
    ].join('\n'));
    // Drug-associated ONFH of the right femur: ICD-10-CM M87.151 (clinical-spec.md section 9).
    expect(cards[1]?.suggestions?.[0]?.actions?.[0]?.resource?.['reasonCode']).toStrictEqual([
      { coding: [ONFH, { system: ICD10CM, code: 'M87.151' }], text: 'Osteonecrosis of the right femoral head' },
    ]);
    // The gap the dropped card would have shown is still on the summary.
    expect(cards[3]?.detail).toContain('**Data to complete**\n- Left hip has no MRI on record.');
  });
});

describe('patient-view: card context', () => {
  it('falls back to the Assessment rules when the context names none, and stamps every version in the extension', () => {
    const a = patient({
      patientId: 'p17',
      rules: [{ id: 'arco-2019', version: '2025.1.0' }, { id: 'follow-up', version: '2025.2.0' }],
      hips: [hip({ side: 'left', stage: stage('1', 'Ia'), followUp: followUp({ modality: 'MR', lastStudy: '2026-10-01', due: '2027-01-01' }) })],
    });
    const [card] = run(a, context('p17', { ruleSets: [] }));
    expect(card?.source.label).toBe('Non-surgical ONFH guideline 2025');
    expect(card?.extension).toStrictEqual({ 'onfh-cds/rules': [{ id: 'arco-2019', version: '2025.1.0' }, { id: 'follow-up', version: '2025.2.0' }] });
  });

  it('uses crypto.randomUUID when no generator is injected', () => {
    const a = patient({
      patientId: 'p18',
      hips: [hip({ side: 'left', stage: stage('1', 'Ia'), followUp: followUp({ modality: 'MR', lastStudy: '2026-10-01', due: '2027-01-01' }) })],
    });
    const ctx = { ...context('p18'), uuid: undefined };
    const [first] = run(a, ctx);
    const [second] = run(a, ctx);
    expect(first?.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first?.uuid).not.toBe(second?.uuid);
  });
});
