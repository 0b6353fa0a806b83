/**
 * Assessment → CDS Hooks 2.0 cards (design.md section 1). Pure: no I/O, no Fastify.
 * - patientViewCards: the patient-view hook (summary, and cards that ask for an action now).
 * - orderCards: order-select / order-sign, one card per OrderCheck (clinical-spec.md section 11).
 */
export { patientViewCards } from './patient-view.js';
export { orderCards } from './order-cards.js';
export type { CardContext } from './context.js';
