/** design.md 5: an Assessment's reportFindings and suspectedOnfh, as the contract shows them. */
import type { PatientFacts } from './patient-facts.js';
import type { Assessment } from './types.js';

export function reportParts(facts: PatientFacts): Pick<Assessment, 'reportFindings' | 'suspectedOnfh'> {
  return {
    reportFindings: (facts.reportFindings ?? []).map((s) => ({
      report: s.report, date: s.date, studyKind: s.studyKind, side: s.side, finding: s.finding, certainty: s.certainty, ...(s.value !== undefined ? { value: s.value } : {}), text: s.text,
    })),
    // clinical-spec.md 14: a replaced hip has no femoral head; an older report of it is not a new diagnosis
    suspectedOnfh: (facts.suspectedOnfh ?? []).filter((s) => !(facts.replacedHips ?? []).includes(s.side)).map((s) => ({ side: s.side, report: s.report, date: s.date, text: s.text, studyKind: s.studyKind })),
  };
}
