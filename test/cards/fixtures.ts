/**
 * Hand-built Assessments for the card tests. The recommendation lists follow clinical-spec.md
 * section 5 (GRADE per modality, status by stage); each patient then states only what differs.
 */
import { BUNDLED_RULES_DIR } from '../../src/config.js';
import { loadRules } from '../../src/rules/index.js';
import type {
  Assessment, DataGap, FollowUp, HipAssessment, HipStage, ModalityId, OrderCheck, Recommendation, RecommendationStatus,
} from '../../src/engine/types.js';
import { MODALITY_IDS } from '../../src/vocabulary/index.js';
import type { CardContext } from '../../src/cards/index.js';

export const EVALUATED_AT = '2026-11-20';
export const GUIDELINE_URL = 'https://guideline.example.org/onfh-non-surgical-2025';
export const RULE_SETS = [
  { id: 'arco-2019', version: '2025.1.0' },
  { id: 'gl2025-modalities', version: '2025.1.0' },
  { id: 'follow-up', version: '2025.1.0' },
] as const;

/** Deterministic uuids: 00000000-0000-4000-8000-000000000001, …002, … in call order. */
export function uuidSequence(): () => string {
  let n = 0;
  return () => {
    n += 1;
    return u(n);
  };
}

export function u(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

/** The orderable study codes of the bundled value sets (rules/valuesets/imaging.json), as the service passes them. */
export const IMAGING_ORDERS = (await loadRules(BUNDLED_RULES_DIR)).valueSets.imagingOrders;

export function context(patientId: string, overrides: Partial<CardContext> = {}): CardContext {
  return {
    patientId,
    ruleSets: RULE_SETS,
    guideline: { label: 'Non-surgical ONFH guideline 2025', url: GUIDELINE_URL },
    imagingOrders: IMAGING_ORDERS,
    uuid: uuidSequence(),
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------
// Recommendations (clinical-spec.md section 5)

const GRADE: Readonly<Record<ModalityId, { evidence: Recommendation['evidence']; strength: Recommendation['strength']; source: string }>> = {
  'health-education': { evidence: 'B', strength: 1, source: 'GL2025 Table 5' },
  'psychological-support': { evidence: 'B', strength: 1, source: 'GL2025 Table 5' },
  'self-management': { evidence: 'A', strength: 1, source: 'GL2025 Table 5' },
  rehabilitation: { evidence: 'A', strength: 1, source: 'GL2025 Table 10' },
  'zoledronic-acid': { evidence: 'A', strength: 1, source: 'GL2025 Table 6' },
  alendronate: { evidence: 'A', strength: 1, source: 'GL2025 Table 6' },
  'tc99-mdp': { evidence: 'B', strength: 1, source: 'GL2025 Table 6' },
  'xianling-gubao': { evidence: 'A', strength: 1, source: 'GL2025 Table 6' },
  'tongluo-shenggu': { evidence: 'B', strength: 2, source: 'GL2025 Table 6' },
  gutouyusheng: { evidence: 'B', strength: 2, source: 'GL2025 Table 6' },
  'cervus-cucumis-polypeptide': { evidence: 'A', strength: 1, source: 'GL2025 Table 6' },
  'levodopa-benserazide': { evidence: 'B', strength: 3, source: 'GL2025 Table 6' },
  enoxaparin: { evidence: 'B', strength: 2, source: 'GL2025 Table 6' },
  simvastatin: { evidence: 'B', strength: 2, source: 'GL2025 Table 6' },
  eswt: { evidence: 'A', strength: 1, source: 'GL2025 Table 7' },
  hbo: { evidence: 'A', strength: 1, source: 'GL2025 Table 7' },
  pemf: { evidence: 'B', strength: 2, source: 'GL2025 Table 7' },
  acupuncture: { evidence: 'B', strength: 2, source: 'GL2025 Table 8' },
  'needle-knife': { evidence: 'B', strength: 2, source: 'GL2025 Table 8' },
  'silver-needle': { evidence: 'B', strength: 2, source: 'GL2025 Table 8' },
  prp: { evidence: 'A', strength: 1, source: 'GL2025 Table 9' },
  svf: { evidence: 'B', strength: 1, source: 'GL2025 Table 9' },
  bmac: { evidence: 'A', strength: 1, source: 'GL2025 Table 9' },
  bmmnc: { evidence: 'A', strength: 2, source: 'GL2025 Table 9' },
  bmmsc: { evidence: 'A', strength: 1, source: 'GL2025 Table 9' },
  ozone: { evidence: 'B', strength: 1, source: 'GL2025 Table 9' },
  radiofrequency: { evidence: 'B', strength: 2, source: 'GL2025 Table 9' },
  'core-decompression': { evidence: 'A', strength: 1, source: 'GL2025 Tables 4, 9' },
};

const DRUGS: readonly ModalityId[] = [
  'tc99-mdp', 'xianling-gubao', 'tongluo-shenggu', 'gutouyusheng', 'cervus-cucumis-polypeptide', 'levodopa-benserazide', 'enoxaparin', 'simvastatin',
];
export const MINIMALLY_INVASIVE: readonly ModalityId[] = ['prp', 'svf', 'bmac', 'bmmnc', 'bmmsc', 'ozone', 'radiofrequency'];

export const CD_COMBINATIONS = ['CD + BMAC', 'CD + BMDCT', 'CD + BMSCs', 'CD + BMMSCs', 'CD + PRP', 'CD + medication'];
export const CD_WEIGHT_BEARING = 'Requires ability to comply with post-operative protected weight bearing';

/** Status from strength when applicable (spec 5): 1 recommended, 2 consider, 3 no-recommendation. */
function byStrength(m: ModalityId): RecommendationStatus {
  const s = GRADE[m].strength;
  return s === 1 ? 'recommended' : s === 2 ? 'consider' : 'no-recommendation';
}

export type Phase = 'I-II' | 'III' | 'post-collapse';

/** Status of every modality for a hip in a phase, before patient specifics (spec 5 "applies to"). */
function statusIn(m: ModalityId, phase: Phase): RecommendationStatus {
  if (m === 'zoledronic-acid' || m === 'alendronate') return 'not-recommended';
  if (m === 'eswt') return phase === 'I-II' ? 'recommended' : 'not-applicable';
  if (m === 'core-decompression') return phase === 'I-II' ? 'recommended' : phase === 'III' ? 'consider' : 'contraindicated';
  if (DRUGS.includes(m) || MINIMALLY_INVASIVE.includes(m)) return phase === 'post-collapse' ? 'not-applicable' : byStrength(m);
  return byStrength(m);
}

export function recommendations(phase: Phase, overrides: Partial<Record<ModalityId, Partial<Recommendation>>> = {}): Recommendation[] {
  return MODALITY_IDS.map((modality): Recommendation => {
    const g = GRADE[modality];
    const status = statusIn(modality, phase);
    const base: Recommendation = {
      modality,
      status,
      evidence: g.evidence,
      strength: g.strength,
      reasons: status === 'not-recommended' ? ['GL2025 recommends against (A1)'] : ['applies to this stage'],
      source: g.source,
    };
    const cd: Partial<Recommendation> =
      modality !== 'core-decompression' ? {}
        : status === 'recommended' ? { reasons: ['ARCO 1–2, painful, involvement ≤ 30 %'], notes: [CD_WEIGHT_BEARING], combinations: CD_COMBINATIONS }
          : status === 'consider' ? { reasons: ['ARCO 3A'], notes: [CD_WEIGHT_BEARING], combinations: CD_COMBINATIONS }
            : { reasons: ['collapse > 2 mm'] };
    return { ...base, ...cd, ...overrides[modality] };
  });
}

// ---------------------------------------------------------------------------------------------
// Hips and patients

export function followUp(f: Partial<FollowUp> & Pick<FollowUp, 'modality' | 'due'>): FollowUp {
  return { intervalMonths: 3, lastStudy: null, overdue: false, ...f };
}

export function stage(arco: HipStage['arco'], chinese: HipStage['chinese'], source: HipStage['source'] = 'computed'): HipStage {
  return { arco, chinese, source, recorded: null };
}

export function hip(h: Partial<HipAssessment> & Pick<HipAssessment, 'side' | 'stage' | 'followUp'> & { phase?: Phase }): HipAssessment {
  const { phase = 'I-II', ...rest } = h;
  return {
    conditions: [`Condition/onfh-${h.side}`],
    etiology: 'non-traumatic',
    findings: {},
    sizeCategory: null,
    recommendations: recommendations(phase),
    surgicalEvaluation: { indicated: false, reasons: [] },
    progressionRisk: { high: false, factors: [] },
    ...rest,
  };
}

export function patient(a: Partial<Assessment> & Pick<Assessment, 'patientId' | 'hips'>): Assessment {
  return {
    evaluatedAt: EVALUATED_AT,
    inScope: true,
    rules: RULE_SETS,
    replacedHips: [],
    pregnant: false,
    conservativeCare: { indicated: false, reasons: [] },
    riskFactors: [],
    dataGaps: [],
    reportFindings: [],
    suspectedOnfh: [],
    ...a,
  };
}

export function gap(code: DataGap['code'], side: DataGap['side'], message: string): DataGap {
  return side === undefined ? { code, message } : { code, side, message };
}

export function orderCheck(c: Partial<OrderCheck> & Pick<OrderCheck, 'check' | 'indicator' | 'order'>): OrderCheck {
  return {
    sides: ['right'],
    reasons: [],
    source: 'GL2025 Table 6',
    rule: { id: 'order-checks', version: '2025.1.0' },
    ...c,
  };
}
