/** kind "valueset": the codes the facts reader recognises (rules/valuesets/, clinical-spec.md section 9). */
import { ValueSetError, ValueSetFileSchema, compileValueSets } from '../valuesets.js';
import { defineKind } from './types.js';

export const valueset = defineKind({
  kind: 'valueset',
  schema: ValueSetFileSchema,
  compile(active, ctx) {
    try {
      return { valueSets: compileValueSets(active.map((p) => p.data)) };
    } catch (e) {
      if (!(e instanceof ValueSetError)) throw e;
      ctx.fault('valuesets', '$.valueSets', e.message);
      return {};
    }
  },
});
