/**
 * Body site and laterality (clinical-spec.md section 2): which hip a resource is about.
 */
import { arr, codingsOf, conceptText, rec, str } from './read.js';
import type { ValueSets } from '../rules/valuesets.js';

export type Laterality = 'left' | 'right' | 'bilateral';
export type HipSite = 'hip' | 'femoral-head' | 'femur' | 'pelvis' | 'both-hips';

export interface SiteReading {
  /** The side named (coded laterality first, then display/text words). */
  readonly side: Laterality | undefined;
  /** The hip site named, if any. */
  readonly site: HipSite | undefined;
  /** A body site was given and it is not a hip site (a knee, the chest): not about the hips. */
  readonly otherSite: boolean;
  /** The site named is a knee (TCM: knee pain is the hip's referred pain, spec 7.1). */
  readonly knee: boolean;
}


function combineSides(a: Laterality | undefined, b: Laterality | undefined): Laterality | undefined {
  if (a === undefined) return b;
  if (b === undefined || a === b) return a;
  return 'bilateral'; // left and right named together: both
}

/** Broader sites win: a "both hips" or pelvis study covers both hips (spec 2). */
const SITE_RANK: Record<HipSite, number> = { 'both-hips': 5, pelvis: 4, 'femoral-head': 3, hip: 2, femur: 1 };

function widerSite(a: HipSite | undefined, b: HipSite | undefined): HipSite | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return SITE_RANK[b] > SITE_RANK[a] ? b : a;
}

/** A text of only these words names a side, not another body site ("Left", "left | left"). */
const LATERALITY_ONLY_TEXT = new Set(['left', 'right', 'bilateral', 'both', 'l', 'r', 'side', 'sided']);
const WORDS = /[^a-z]+/;

/** Tokens of a SNOMED post-coordinated expression ("24136001:272741003=7771000"). */
const EXPRESSION_SPLIT = /[^0-9A-Za-z.]+/;

/**
 * Reads body-site concepts (CodeableConcepts, or Codings as ImagingStudy.series has) and
 * laterality Codings: spec 2 step 2, a coding that is a laterality qualifier, or a display/text
 * that says right/left.
 */
export function readSites(valueSets: ValueSets, concepts: readonly unknown[]): SiteReading {
  let codedSide: Laterality | undefined;
  let textSide: Laterality | undefined;
  let site: HipSite | undefined;
  let named = false;
  let unrecognised = false;
  let knee = false;
  for (const concept of concepts) {
    const c = rec(concept);
    if (c === undefined) continue;
    let conceptSite: HipSite | undefined;
    let conceptUnrecognised = false;
    const codings = codingsOf(c);
    // a laterality qualifier carried as an extension of the body site
    for (const ext of arr(c.extension)) {
      const e = rec(ext);
      if (e === undefined) continue;
      codings.push(...codingsOf(e.valueCodeableConcept ?? e.valueCoding));
    }
    for (const coding of codings) {
      if (coding.code === undefined) continue;
      named = true;
      const tokens = coding.code.includes(':') ? coding.code.split(EXPRESSION_SPLIT) : [coding.code];
      let known = false;
      for (const token of tokens) {
        for (const m of valueSets.lookup(coding.system, token)) {
          if (m.valueSet === 'laterality') {
            codedSide = combineSides(codedSide, m.value as Laterality);
            known = true;
          } else if (m.valueSet === 'body-site') {
            if (m.value === 'knee') knee = true;
            else conceptSite = widerSite(conceptSite, m.value as HipSite);
            known = true;
          }
        }
      }
      if (!known) conceptUnrecognised = true;
    }
    const text = conceptText(c);
    if (text.length > 0) {
      named = true;
      for (const m of valueSets.matchText('laterality', text)) textSide = combineSides(textSide, m.value as Laterality);
      if (conceptSite === undefined) {
        for (const m of valueSets.matchText('body-site', text)) {
          if (m.value === 'knee') knee = true;
          else conceptSite = widerSite(conceptSite, m.value as HipSite);
        }
        if (conceptSite === undefined && !text.split(WORDS).every((w) => w === '' || LATERALITY_ONLY_TEXT.has(w))) {
          conceptUnrecognised = true;
        }
      }
    }
    if (conceptSite !== undefined) site = widerSite(site, conceptSite);
    else if (conceptUnrecognised) unrecognised = true;
  }
  return {
    side: codedSide ?? textSide,
    site,
    otherSite: named && site === undefined && (unrecognised || knee),
    knee: knee && site === undefined,
  };
}

/** "Patient/123", ".../Patient/123", "Patient/123/_history/2" → "123". */
const PATIENT_REF = /(?:^|\/)Patient\/([^/]+)(?:\/_history\/[^/]*)?$/;

/** The patient a resource is about, when it says so by a plain reference (urn:uuid: → undefined). */
export function patientIdOf(resource: Record<string, unknown>, expected?: string): string | undefined {
  const ref = str(rec(resource.subject)?.reference) ?? str(rec(resource.patient)?.reference);
  if (ref === undefined || ref.length > 512) return undefined;
  // `expected` ("Patient/<id>"): the usual case, read without the regex
  if (ref === expected) return ref.slice(8);
  return PATIENT_REF.exec(ref)?.[1];
}
