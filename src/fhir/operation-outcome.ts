/**
 * The one error type of the service: it carries the FHIR OperationOutcome that becomes the HTTP
 * answer (CDS Hooks 2.0 "Returning OperationOutcome": a non-2xx answer SHOULD include one).
 * Thrown by the fhir and http layers; turned into HTTP in exactly one place (src/http/errors.ts).
 */

export type IssueType = 'invalid' | 'required' | 'structure' | 'value' | 'too-costly' | 'not-found' | 'not-supported' | 'processing' | 'incomplete' | 'timeout' | 'exception' | 'security';

export interface OutcomeIssue {
  readonly code: IssueType;
  /** What was wrong, in words an integrator reads; never patient data, never a token. */
  readonly text: string;
  /** FHIRPath-like location in the request, e.g. "context.patientId". */
  readonly expression?: string;
}

export function operationOutcome(issues: readonly OutcomeIssue[], severity: 'error' | 'fatal' = 'error'): fhir4.OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((i) => ({
      severity,
      code: i.code,
      details: { text: i.text },
      ...(i.expression === undefined ? {} : { expression: [i.expression] }),
    })),
  };
}

export class OperationOutcomeError extends Error {
  override name = 'OperationOutcomeError';
  readonly statusCode: number;
  readonly outcome: fhir4.OperationOutcome;

  constructor(statusCode: number, issues: readonly OutcomeIssue[]) {
    super(issues.map((i) => i.text).join('; '));
    this.statusCode = statusCode;
    this.outcome = operationOutcome(issues);
  }
}

export const badRequest = (text: string, expression?: string): OperationOutcomeError =>
  new OperationOutcomeError(400, [{ code: 'invalid', text, ...(expression === undefined ? {} : { expression }) }]);

export const notFound = (text: string): OperationOutcomeError => new OperationOutcomeError(404, [{ code: 'not-found', text }]);

/** CDS Hooks 2.0 "Prefetch Template": required data neither prefetched nor fetchable → 412. */
export const preconditionFailed = (issues: readonly OutcomeIssue[]): OperationOutcomeError => new OperationOutcomeError(412, issues);

export function isOperationOutcome(value: unknown): value is fhir4.OperationOutcome {
  return typeof value === 'object' && value !== null && (value as { resourceType?: unknown }).resourceType === 'OperationOutcome';
}
