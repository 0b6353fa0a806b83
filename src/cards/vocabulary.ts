/**
 * The words and codes the cards use: modality names as a clinician reads them, hip and stage
 * wording, and the code systems of clinical-spec.md section 9. Pure data and string helpers.
 */
import type { HipAssessment, ModalityId, Recommendation } from '../engine/types.js';

export type HipSide = HipAssessment['side'];

export const SYSTEM = {
  snomed: 'http://snomed.info/sct',
  loinc: 'http://loinc.org',
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  /** The project's own override reasons (CDS Hooks 2.0 leaves the code system to the service). */
  overrideReason: 'http://onfh-cds.org/fhir/CodeSystem/override-reason',
} as const;

/** GL2025 table groups, in the order the guideline presents them (Tables 5–10). */
export type ModalityGroup = 'General' | 'Medication' | 'Physical therapy' | 'TCM external therapy' | 'Minimally invasive';

/**
 * How a modality reads in a list, and its GL2025 table group; `availabilityVaries`: a product
 * available mainly in China (clinical-spec.md 14: "(availability varies by country)").
 */
export const MODALITY: Readonly<Record<ModalityId, { readonly name: string; readonly group: ModalityGroup; readonly availabilityVaries?: true }>> = {
  // GL2025 Table 5 (and 3.7.1: walking aids, wheelchairs not recommended)
  'health-education': { name: 'health education', group: 'General' },
  'psychological-support': { name: 'psychological support', group: 'General' },
  'self-management': { name: 'self-management (protected weight bearing, walking aids)', group: 'General' },
  // GL2025 Table 10
  rehabilitation: { name: 'rehabilitation exercise', group: 'General' },
  // GL2025 Table 6
  'zoledronic-acid': { name: 'zoledronic acid', group: 'Medication' },
  alendronate: { name: 'alendronate', group: 'Medication' },
  'tc99-mdp': { name: 'technetium [99Tc] MDP', group: 'Medication', availabilityVaries: true },
  'xianling-gubao': { name: 'Xianling Gubao capsules', group: 'Medication', availabilityVaries: true },
  'tongluo-shenggu': { name: 'Tongluo Shenggu capsules', group: 'Medication', availabilityVaries: true },
  gutouyusheng: { name: 'Gutouyusheng capsules', group: 'Medication', availabilityVaries: true },
  'cervus-cucumis-polypeptide': { name: 'cervus and cucumis polypeptide injection', group: 'Medication', availabilityVaries: true },
  'levodopa-benserazide': { name: 'levodopa-benserazide', group: 'Medication' },
  enoxaparin: { name: 'enoxaparin', group: 'Medication' },
  simvastatin: { name: 'simvastatin', group: 'Medication' },
  // GL2025 Table 7
  eswt: { name: 'ESWT', group: 'Physical therapy' },
  hbo: { name: 'hyperbaric oxygen (adjunct)', group: 'Physical therapy' },
  pemf: { name: 'PEMF (adjunct)', group: 'Physical therapy' },
  // GL2025 Table 8
  acupuncture: { name: 'acupuncture', group: 'TCM external therapy' },
  'needle-knife': { name: 'needle-knife', group: 'TCM external therapy' },
  'silver-needle': { name: 'silver / endothermic needle', group: 'TCM external therapy' },
  // GL2025 Table 9
  prp: { name: 'PRP injection', group: 'Minimally invasive' },
  svf: { name: 'SVF', group: 'Minimally invasive' },
  bmac: { name: 'BMAC', group: 'Minimally invasive' },
  bmmnc: { name: 'BMMNCs', group: 'Minimally invasive' },
  bmmsc: { name: 'BMMSCs', group: 'Minimally invasive' },
  ozone: { name: 'ozone injection', group: 'Minimally invasive' },
  radiofrequency: { name: 'pulsed radiofrequency', group: 'Minimally invasive' },
  'core-decompression': { name: 'core decompression', group: 'Minimally invasive' },
};

/** GRADE as GL2025 tabulates it: evidence level then recommendation strength, e.g. "A1" (Tables 1, 5–11). */
export function grade(r: Pick<Recommendation, 'evidence' | 'strength'>): string {
  return `${r.evidence}${String(r.strength)}`;
}

export function hipName(side: HipSide): string {
  switch (side) {
    case 'right': return 'Right hip';
    case 'left': return 'Left hip';
    case 'unknown': return 'Hip (side not recorded)';
  }
}

/** Lower-case hip list for running text: "right hip", "right and left hips". */
export function hipsPhrase(sides: readonly HipSide[]): string {
  const words = sides.map((s) => (s === 'unknown' ? 'hip of unrecorded side' : `${s} hip`));
  if (words.length <= 1) return words[0] ?? 'hip';
  if (sides.length === 2 && sides.includes('left') && sides.includes('right')) return 'both hips';
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1] ?? ''}`;
}

/** The same with its article, for running text: "the right hip", "both hips". */
export function theHips(sides: readonly HipSide[]): string {
  const phrase = hipsPhrase(sides);
  return phrase === 'both hips' ? phrase : `the ${phrase.replace(/ and /g, ' and the ')}`;
}

export function stageText(stage: HipAssessment['stage']): string {
  const parts: string[] = [];
  if (stage.arco !== null) parts.push(`ARCO ${stage.arco}`);
  if (stage.chinese !== null) parts.push(`Chinese ${stage.chinese}`);
  if (parts.length === 0) return 'stage unknown';
  // clinical-spec.md 4.3: a recorded stage is the clinician's, not computed from findings.
  return parts.join(' / ') + (stage.source === 'recorded' ? ' (recorded)' : '');
}

export function sizeText(hip: HipAssessment): string | undefined {
  if (hip.sizeCategory === null) return undefined;
  const extent = hip.findings['necrotic-extent'];
  return typeof extent === 'number' ? `${hip.sizeCategory} (${String(extent)} % of head)` : hip.sizeCategory;
}

/** Markdown table cells cannot hold a pipe or a newline. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/**
 * Shortens free text (engine reasons) to fit `max` characters, cutting at a word boundary.
 * CDS Hooks 2.0 Card: summary is "<140-character".
 */
export function clip(text: string, max = 139): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:·—-]+$/, '')}…`;
}

export function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * A table look-up that only sees the table's own keys: order text such as "constructor" or
 * "toString" must not reach Object.prototype (found by property testing).
 */
export function ownWord(table: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
