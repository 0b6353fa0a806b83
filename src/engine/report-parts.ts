/** design.md 5: an Assessment's reportFindings and suspectedOnfh, as the contract shows them. */
import type { PatientFacts } from './patient-facts.js';
import type { Assessment } from './types.js';

export function reportParts(facts: PatientFacts): Pick<Assessment, 'reportFindings' | 'suspectedOnfh'> {
  return {
    reportFindings: (facts.reportFindings ?? []).map((s) => ({
      report: s.report, date: s.date, studyKind: s.studyKind, side: s.side, finding: s.finding, certainty: s.certainty, ...(s.value !== undefined ? { value: s.value } : {}), text: s.text,
    })),
    suspectedOnfh: (facts.suspectedOnfh ?? []).map((s) => ({ side: s.side, report: s.report, date: s.date, text: s.text, studyKind: s.studyKind })),
  };
}
