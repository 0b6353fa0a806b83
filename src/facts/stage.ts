/**
 * Recorded stage (clinical-spec.md 4.3, 9): Condition.stage.summary coded in the arco-2019 or
 * chinese-onfh-stage CodeSystems, or free text such as "ARCO 3A", "ARCO stage IIIA",
 * "Chinese stage IIb".
 */
import type { RecordedStage } from '../engine/patient-facts.js';
import { arr, codingsOf, conceptLabel, conceptText, rec } from './read.js';
import type { ValueSets } from '../rules/valuesets.js';

type Arco = NonNullable<RecordedStage['arco']>;

const ROMAN: Record<string, string> = { i: '1', ii: '2', iii: '3', iv: '4', v: '5' };

// compiled once: "arco 3a", "arco stage iiia", "arco: iii b"
const ARCO_TEXT = /\barco\b[^a-z0-9]*(?:stag(?:e|ing)\s*)?(iv|iii|ii|i|[1-4])\s*-?\s*([ab])?(?![a-z0-9])/;
// "chinese stage iib", "chinese staging: iv c", "chinese onfh stage ia"
const CHINESE_TEXT = /\bchinese\b[^a-z0-9]*(?:onfh\s*)?(?:stag(?:e|ing)\s*)?[^a-z0-9]*(v|iv|iii|ii|i)\s*-?\s*([abc])?(?![a-z0-9])/;

function arcoFromText(text: string): Arco | null {
  const m = ARCO_TEXT.exec(text);
  if (m === null) return null;
  const digit = ROMAN[m[1] ?? ''] ?? m[1] ?? '';
  const sub = (m[2] ?? '').toUpperCase();
  if (digit === '3') return sub === 'A' ? '3A' : sub === 'B' ? '3B' : null; // "ARCO 3" alone: not a 2019 stage
  // ARCO 1, 2, 4 have no subtype in 2019; an older size subtype ("IIB") is dropped
  return digit === '1' || digit === '2' || digit === '4' ? digit : null;
}

function chineseFromText(text: string): string | null {
  const m = CHINESE_TEXT.exec(text);
  if (m === null) return null;
  const roman = (m[1] ?? '').toUpperCase();
  if (roman === 'V') return 'V';
  return roman + (m[2] ?? '');
}

/** The stage recorded in one Condition (its stage[] entries combined), or null. */
export function readRecordedStage(valueSets: ValueSets, condition: Record<string, unknown>, ref: string): RecordedStage | null {
  let arco: Arco | null = null;
  let chinese: string | null = null;
  let label: string | undefined;
  for (const stage of arr(condition.stage)) {
    const summary = rec(stage)?.summary;
    if (summary === undefined) continue;
    label ??= conceptLabel(summary);
    for (const c of codingsOf(summary)) {
      const m = valueSets.find('stage', c.system, c.code);
      if (m === undefined) continue;
      if (m.value.startsWith('arco:')) arco ??= m.value.slice(5) as Arco;
      else if (m.value.startsWith('chinese:')) chinese ??= m.value.slice(8);
    }
    const text = conceptText(summary);
    if (text.length > 0) {
      arco ??= arcoFromText(text);
      chinese ??= chineseFromText(text);
    }
  }
  if (arco === null && chinese === null) return null; // a summary we cannot read is not a stage
  return { arco, chinese, ...(label !== undefined && { text: label }), ref };
}
