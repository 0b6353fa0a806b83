/**
 * ImagingStudy → dated MR, CT, CR, DX and NM studies with the hip they show (clinical-spec.md
 * sections 2, 8): by series, else by the study, with free text for the site when no code says.
 */
import { readSites, type SiteReading } from '../anatomy.js';
import type { ImagingModality } from '../../engine/patient-facts.js';
import type { ImagingStudy, ImagingStudySeries } from 'fhir/r4.js';
import { arr, codingsOf, conceptText, dateOnly, instant, rec, refOf, str, type Untrusted } from '../read.js';
import { SYSTEMS, type ValueSets } from '../../rules/valuesets.js';
import type { Collector } from './collect.js';

// spec 14: a registered study is booked, not done (src/facts/safety.ts reads it as scheduled imaging)
const UNUSABLE_IMAGING = new Set(['cancelled', 'entered-in-error', 'registered']);

function asModality(value: string): ImagingModality | undefined {
  return value === 'MR' || value === 'CT' || value === 'CR' || value === 'DX' || value === 'NM' ? value : undefined;
}

export function readImagingStudy(acc: Collector, s: Untrusted<ImagingStudy>): void {
  const ref = refOf('ImagingStudy', s);
  const status = str(s.status);
  if (status !== undefined && UNUSABLE_IMAGING.has(status)) return;
  // ImagingStudy.started, else the earliest series.started (some PACS fill only the series)
  const started = str(s.started) ?? earliestSeriesStart(s);
  const date = dateOnly(started);
  const studyModalities = new Set<ImagingModality>();
  for (const c of codingsOf(s.modality)) {
    const m = imagingModality(acc.valueSets, c.system, c.code);
    if (m !== undefined) studyModalities.add(m);
  }
  const parts: { modality: ImagingModality; site: SiteReading }[] = [];
  // the study's own words (description, procedure) when a series does not say
  const studyText = { text: [str(s.description) ?? '', ...arr(s.procedureCode).map(conceptText)].join(' | ').slice(0, 2000) };
  // free text adds a hip site or side, or says knee; "MRI" or "CT chest" with no coded site stay unsided
  const studyRead = readSites(acc.valueSets, studyText.text.trim().length > 3 ? [studyText] : []);
  const studySite: SiteReading = { ...studyRead, otherSite: studyRead.knee };
  let sawSeries = false;
  for (const x of arr(s.series)) {
    const series: Untrusted<ImagingStudySeries> | undefined = rec(x);
    if (series === undefined) continue;
    sawSeries = true;
    const own = codingsOf(series.modality)[0];
    const modality = own === undefined ? undefined : imagingModality(acc.valueSets, own.system, own.code);
    const seriesSite = readSites(acc.valueSets, [series.bodySite, series.laterality].filter((v) => v !== undefined));
    const siteReading = seriesSite.site === undefined && seriesSite.side === undefined && !seriesSite.otherSite ? studySite : seriesSite;
    const mods = modality !== undefined ? [modality] : [...studyModalities];
    for (const m of mods) parts.push({ modality: m, site: siteReading });
  }
  if (!sawSeries) for (const m of studyModalities) parts.push({ modality: m, site: studySite });
  if (parts.length === 0) return; // not MR, CT, CR, DX or NM
  if (date === null) {
    acc.notes.push(`${ref}: no start date, not listed`);
    return;
  }
  if (acc.today !== null && date > acc.today) {
    acc.notes.push(`${ref}: dated after the evaluation date ${acc.today}, ignored`);
    return;
  }
  const at = instant(started);
  for (const { modality, site } of parts) {
    // a study of another body part (chest, knee) is not hip imaging
    if (site.otherSite) continue;
    const both = site.site === 'both-hips' || site.site === 'pelvis' || site.side === 'bilateral';
    const side = both ? 'both' : site.side;
    if (!acc.imaging.some((i) => i.ref === ref && i.modality === modality && i.side === side)) {
      acc.imaging.push({ modality, date, at, ref, side });
    }
  }
}

function earliestSeriesStart(s: Untrusted<ImagingStudy>): string | undefined {
  let best: string | undefined;
  for (const x of arr(s.series)) {
    const series: Untrusted<ImagingStudySeries> | undefined = rec(x);
    const started = str(series?.started);
    if (started !== undefined && (best === undefined || instant(started) < instant(best))) best = started;
  }
  return best;
}

/** spec 9: DICOM modality; a coding without a system is read as DICOM (the binding of ImagingStudy.modality). */
function imagingModality(valueSets: ValueSets, system: string | undefined, code: string | undefined): ImagingModality | undefined {
  const m = valueSets.find('imaging-modality', system ?? SYSTEMS.dicom, code);
  return m === undefined ? undefined : asModality(m.value);
}

