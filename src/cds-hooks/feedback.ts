/**
 * CDS Hooks 2.0 "Feedback": POST {baseUrl}/cds-services/{id}/feedback with `{ feedback: [...] }`.
 * https://cds-hooks.hl7.org/2.0/#feedback
 */
import { z } from 'zod';

/** "Coding" (CDS Hooks 2.0 Data Types): code and system REQUIRED, display OPTIONAL. */
const FeedbackCodingSchema = z.object({ system: z.string().min(1), code: z.string().min(1), display: z.string().min(1).optional() });

export const FeedbackItemSchema = z
  .object({
    /** "The card.uuid from the CDS Hooks response." Our cards always carry a UUID. */
    card: z.uuid(),
    outcome: z.enum(['accepted', 'overridden']),
    /** "Required for accepted outcomes": each names a `card.suggestion.uuid`. */
    acceptedSuggestions: z.array(z.object({ id: z.string().min(1) })).min(1).optional(),
    /** `reason` is CONDITIONAL (when picked from the card's list); `userComment` OPTIONAL free text. */
    overrideReason: z.object({ reason: FeedbackCodingSchema.optional(), userComment: z.string().min(1).optional() }).optional(),
    /** RFC 3339 section 5.6 date-time in UTC, e.g. 1985-04-12T23:20:50.52Z. */
    outcomeTimestamp: z.iso.datetime({ offset: true }),
  })
  .superRefine((item, issues) => {
    if (item.outcome === 'accepted' && item.acceptedSuggestions === undefined) {
      issues.addIssue({ code: 'custom', path: ['acceptedSuggestions'], message: 'is required when outcome is accepted' });
    }
    if (item.outcome === 'accepted' && item.overrideReason !== undefined) {
      issues.addIssue({ code: 'custom', path: ['overrideReason'], message: 'is only for overridden outcomes' });
    }
  });

export const FeedbackRequestSchema = z.object({ feedback: z.array(FeedbackItemSchema).min(1) });

export type FeedbackItem = z.output<typeof FeedbackItemSchema>;
export type FeedbackRequest = z.output<typeof FeedbackRequestSchema>;
