/**
 * FHIR resources → typed facts (clinical-spec.md sections 1–3, 6, 9–11). Pure functions: no I/O,
 * no logging (the caller logs `notes`), never throw on malformed input.
 */
export { extractFacts } from './extract.js';
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
} from '../rules/valuesets.js';
export type { ImagingOrderCode, ValueSetEntry, ValueSetFile, ValueSetId, ValueSetMatch, ValueSets } from '../rules/valuesets.js';
export type * from '../engine/patient-facts.js';
export { FINDING_IDS } from '../vocabulary/index.js';
