/**
 * Generic JSON helpers: the floor of src/ (imports nothing of it, knows nothing of the clinic or of
 * HTTP), so every layer may use them (.dependency-cruiser.cjs).
 */

export type Json = Record<string, unknown>;

/** A JSON object: not null, not an array. */
export function isRecord(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
