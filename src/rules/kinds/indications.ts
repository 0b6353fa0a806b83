/**
 * What the two indication kinds share (surgical-evaluation, conservative-care): a list of
 * indications, any that applies, in rule order, compiled into one field of LoadedRules.
 */
import { z } from 'zod';
import { compileLogic } from '../logic.js';
import { Header, Indication } from '../schemas.js';
import type { IndicationRule } from '../types.js';
import { defineKind, type RuleKind } from './types.js';

export function indicationsKind<K extends string>(kind: K, field: 'surgicalEvaluation' | 'conservativeCare') {
  const schema = z.strictObject({ ...Header, kind: z.literal(kind), indications: z.array(Indication).min(1) });
  const module: RuleKind<K, z.output<typeof schema>> = defineKind({
    kind,
    schema,
    check(p, ctx) {
      p.data.indications.forEach((x, i) => { ctx.logic(p.file, `$.indications[${i}].when`, x.when); });
    },
    compile(active, ctx) {
      const rules: IndicationRule[] = active.flatMap((p) =>
        p.data.indications.map((x) => ({ ...ctx.cite(p, x), id: x.id, when: compileLogic(x.when), reason: x.reason })),
      );
      return { [field]: rules };
    },
  });
  return module;
}
