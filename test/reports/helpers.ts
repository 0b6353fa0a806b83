/** Building radiology reports for the reader's tests, and reading them with the bundled lexicons. */
import { BUNDLED_RULES_DIR } from '../../src/config.js';
import { readReports } from '../../src/reports/index.js';
import type { ReadLimits, ReportReading } from '../../src/reports/index.js';
import { loadRules } from '../../src/rules/index.js';

export const lexicons = (await loadRules(BUNDLED_RULES_DIR)).reportLexicons;

export const LOINC = 'http://loinc.org';
export const RADIOLOGY = [{ coding: [{ system: LOINC, code: 'LP29684-5' }] }];
export const b64 = (s: string | Buffer): string => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s).toString('base64');

/** A final radiology DiagnosticReport (MRI of the hips unless `code` says otherwise) with the given fields. */
export function report(id: string, fields: Record<string, unknown>, code: Record<string, unknown> = { text: 'MRI hips' }): Record<string, unknown> {
  return { resourceType: 'DiagnosticReport', id, status: 'final', category: RADIOLOGY, code, effectiveDateTime: '2026-10-02', ...fields };
}

export const conclusion = (text: string, code?: Record<string, unknown>, id = 'r1') => report(id, { conclusion: text }, code);
export const plain = (text: string, code?: Record<string, unknown>, id = 'r1') => report(id, { presentedForm: [{ contentType: 'text/plain', data: b64(text) }] }, code);

/** The statements as compact tuples "side finding certainty [value]", in reading order. */
export function tuples(reading: ReportReading): string[] {
  return reading.statements.map((s) => `${s.side} ${s.finding} ${s.certainty}${s.value === undefined ? '' : ` ${String(s.value)}`}`);
}

export function read(resources: readonly unknown[], limits?: ReadLimits): ReportReading {
  return readReports(resources, lexicons, limits);
}

/** Distinct tuples of one report text (as a conclusion), sorted. */
export function says(text: string, code?: Record<string, unknown>): string[] {
  return [...new Set(tuples(read([conclusion(text, code)])))].sort();
}
