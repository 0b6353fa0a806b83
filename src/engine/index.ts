/**
 * The clinical engine (design.md section 3): typed facts + loaded rules → Assessment and
 * OrderChecks. Pure: no I/O, no clock, no Fastify; `now` is always passed in.
 */
export { assess, evaluate, type AssessmentWorkings } from './assess.js';
export { checkOrders } from './order-checks.js';
export type * from './types.js';
export type * from './patient-facts.js';
