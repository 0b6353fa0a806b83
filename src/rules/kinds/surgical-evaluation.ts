/** kind "surgical-evaluation": when a hip is referred for surgical evaluation (clinical-spec.md 7.3, GL2025 Table 4); any indication that applies. */
import { indicationsKind } from './indications.js';

export const surgicalEvaluation = indicationsKind('surgical-evaluation', 'surgicalEvaluation');
