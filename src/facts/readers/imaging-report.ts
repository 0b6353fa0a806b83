/**
 * Hip imaging named by a radiology DiagnosticReport, a radiology DocumentReference or a Procedure
 * (design.md section 5): US Core servers keep imaging this way, and many offer no ImagingStudy.
 * Each becomes a dated study like an ImagingStudy's (clinical-spec.md section 8: the follow-up
 * interval runs from the last study). What was imaged comes from the code (value set
 * `imaging-procedure`: LOINC, CPT, SNOMED), else from the code's text, the report's title or the
 * document's description (modality words of `imaging-modality`, sites and sides of `body-site` and
 * `laterality`; EN and ZH). The words of the report itself are for the report reader (src/reports).
 * The same study seen twice (a report and its ImagingStudy, or a report and its Procedure: same
 * date, modality and hip) is counted once: sameStudyOnce.
 */
import { readSites, type SiteReading } from '../anatomy.js';
import type { ImagingModality } from '../../engine/patient-facts.js';
import { arr, codingsOf, conceptText, dateOnly, instant, rec, refOf, str, type Json } from '../read.js';
import type { Collector, PendingImaging } from './collect.js';

/** Statuses of a report, document or procedure that did not happen or was withdrawn. */
const NOT_DONE = new Set(['registered', 'cancelled', 'entered-in-error', 'not-done', 'preparation', 'in-progress', 'on-hold', 'stopped', 'unknown', 'superseded']);

const MODALITY_OF: Readonly<Record<string, ImagingModality>> = { mr: 'MR', ct: 'CT', xr: 'CR' };

interface Named {
  readonly modality: ImagingModality;
  readonly site: SiteReading;
}

/** The study a code of the `imaging-procedure` value set names, with the text for what the code leaves open. */
function byCode(acc: Collector, concepts: readonly unknown[], text: () => SiteReading): Named | undefined {
  for (const concept of concepts) {
    for (const coding of codingsOf(concept)) {
      const m = acc.valueSets.find('imaging-procedure', coding.system, coding.code);
      if (m === undefined) continue;
      const [kind = '', region] = m.value.split('-');
      const modality = MODALITY_OF[kind];
      if (modality === undefined) continue;
      const words = text();
      if (region === undefined) return { modality, site: words }; // mr, ct, xr: the text says where
      const site = region === 'hips' ? 'both-hips' : region === 'pelvis' ? 'pelvis' : 'hip';
      return { modality, site: { side: m.side ?? words.side, site, otherSite: false, knee: false } };
    }
  }
  return undefined;
}

/** The study the words name: a modality word and a hip site (a study of no named site is not hip imaging). */
function byText(acc: Collector, texts: readonly string[]): Named | undefined {
  const joined = texts.filter((t) => t.length > 0).join(' | ').slice(0, 2000);
  if (joined.length === 0) return undefined;
  const modality = acc.valueSets.matchText('imaging-modality', joined)[0]?.value as ImagingModality | undefined;
  if (modality === undefined) return undefined;
  const site = readSites(acc.valueSets, [{ text: joined }]);
  return { modality, site };
}

function isRadiology(acc: Collector, concepts: readonly unknown[]): boolean {
  return concepts.some((c) => codingsOf(c).some((x) => acc.valueSets.find('radiology-report', x.system, x.code) !== undefined));
}

/** DiagnosticReport, DocumentReference or Procedure → a hip study in `acc.imaging`, when it names one. */
export function readImagingReport(acc: Collector, r: Json, type: 'DiagnosticReport' | 'DocumentReference' | 'Procedure'): void {
  const ref = refOf(type, r);
  const status = str(r.status);
  if (status !== undefined && NOT_DONE.has(status)) return;
  let concepts: unknown[];
  let texts: string[];
  let when: string | undefined;
  if (type === 'DiagnosticReport') {
    concepts = [r.code];
    texts = [conceptText(r.code), ...arr(r.presentedForm).map((a) => str(rec(a)?.title) ?? '')];
    when = str(r.effectiveDateTime) ?? str(rec(r.effectivePeriod)?.start) ?? str(r.issued);
    // a report of another service (a lab, an ECG) is not imaging, unless its code says it is
    if (!isRadiology(acc, arr(r.category)) && byCode(acc, concepts, () => readSites(acc.valueSets, [])) === undefined) return;
  } else if (type === 'DocumentReference') {
    if (str(r.docStatus) === 'entered-in-error') return;
    if (!isRadiology(acc, [r.type, ...arr(r.category)])) return;
    concepts = [r.type];
    texts = [conceptText(r.type), str(r.description) ?? '', ...arr(r.content).map((c) => str(rec(rec(c)?.attachment)?.title) ?? '')];
    when = str(rec(rec(r.context)?.period)?.start) ?? str(r.date);
  } else {
    concepts = [r.code];
    texts = [conceptText(r.code), ...arr(r.bodySite).map(conceptText)];
    when = str(r.performedDateTime) ?? str(rec(r.performedPeriod)?.start);
  }
  let words: SiteReading | undefined;
  const textSite = () => (words ??= readSites(acc.valueSets, [{ text: texts.filter((t) => t.length > 0).join(' | ').slice(0, 2000) }]));
  const named = byCode(acc, concepts, textSite) ?? byText(acc, texts);
  if (named === undefined) return;
  const { site } = named;
  // a study of another body part (a knee, the chest), or of no named site, is not hip imaging
  if (site.site === undefined || site.otherSite) return;
  const date = dateOnly(when);
  if (date === null) {
    acc.notes.push(`${ref}: imaging with no date, not listed`);
    return;
  }
  if (acc.today !== null && date > acc.today) {
    acc.notes.push(`${ref}: dated after the evaluation date ${acc.today}, ignored`);
    return;
  }
  const both = site.site === 'both-hips' || site.site === 'pelvis' || site.side === 'bilateral';
  acc.imaging.push({ modality: named.modality, date, at: instant(when), ref, side: both ? 'both' : site.side });
}

/** CR and DX are both radiographs: for "the same study" they are one modality. */
const sameModality = (a: ImagingModality, b: ImagingModality) => a === b || ((a === 'CR' || a === 'DX') && (b === 'CR' || b === 'DX'));

/**
 * design.md 5: the same study seen twice (a report and its ImagingStudy, a report and its Procedure:
 * same date, modality and hip) counts once; the ImagingStudy is kept when there is one, else the
 * first seen. Studies of one resource are never merged with each other.
 */
export function sameStudyOnce(imaging: readonly PendingImaging[]): PendingImaging[] {
  const rank = (i: PendingImaging) => (i.ref.startsWith('ImagingStudy/') ? 0 : 1);
  const ordered = imaging.map((study, index) => ({ study, index })).sort((a, b) => rank(a.study) - rank(b.study) || a.index - b.index);
  const kept: { study: PendingImaging; index: number }[] = [];
  for (const entry of ordered) {
    const s = entry.study;
    const twin = kept.some(({ study: k }) => k.ref !== s.ref && k.date === s.date && sameModality(k.modality, s.modality) && k.side === s.side);
    if (!twin) kept.push(entry);
  }
  return kept.sort((a, b) => a.index - b.index).map((k) => k.study);
}
