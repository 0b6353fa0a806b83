/** kind "conservative-care": when non-surgical care is indicated (clinical-spec.md 7.2); any indication that applies, in rule order. */
import { indicationsKind } from './indications.js';

export const conservativeCare = indicationsKind('conservative-care', 'conservativeCare');
