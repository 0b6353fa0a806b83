/**
 * FHIR resources → typed facts (clinical-spec.md sections 1–3, 6, 9–11). Pure functions: no I/O,
 * no logging (the caller logs `notes`), never throw on malformed input.
 */
export { extractFacts } from './patient-facts.js';
export { classifyDraftOrders } from './orders.js';
export {
  ValueSetFileSchema,
  ValueSetEntrySchema,
  ValueSetError,
  compileValueSets,
  imagingOrderCode,
  normalizeCode,
  SYSTEMS,
  VALUE_SET_IDS,
  VALUE_SET_VALUES,
} from './valuesets.js';
export type { ImagingOrderCode, ValueSetEntry, ValueSetFile, ValueSetId, ValueSetMatch, ValueSets } from './valuesets.js';
export type * from './types.js';
export { FINDING_IDS } from './types.js';
