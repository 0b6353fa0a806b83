/**
 * FHIR resources → typed facts (clinical-spec.md sections 1–3, 6, 9–11). Pure functions: no I/O,
 * no logging (the caller logs `notes`), never throw on malformed input.
 */
export { extractFacts } from './patient-facts.js';
export { classifyDraftOrders } from './orders.js';
