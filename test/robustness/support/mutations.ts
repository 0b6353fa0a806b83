/**
 * Structure-aware mutations of JSON documents for fast-check: take a valid hook request (or a
 * FHIR resource) and break it the ways real clients and real FHIR data break — wrong types,
 * missing and extra fields, huge strings, odd unicode, deep nesting, nulls, duplicated resources,
 * another patient's resources, resources of the wrong type. Paths are computed once per base
 * document; each mutation copies only the containers along its path.
 */
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonPath = readonly (string | number)[];

const isObject = (v: Json | undefined): v is { [key: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every path in the document, root first (at most `limit`, breadth-first so shallow ones come first). */
export function allPaths(doc: Json, limit = 20_000): JsonPath[] {
  const out: JsonPath[] = [];
  const queue: [Json, JsonPath][] = [[doc, []]];
  while (queue.length > 0 && out.length < limit) {
    const [value, path] = queue.shift() as [Json, JsonPath];
    out.push(path);
    if (Array.isArray(value)) value.forEach((v, i) => queue.push([v, [...path, i]]));
    else if (isObject(value)) for (const [k, v] of Object.entries(value)) queue.push([v, [...path, k]]);
  }
  return out;
}

/** Paths of the FHIR resources inside a document (objects with a string resourceType, not the root). */
export function resourcePaths(doc: Json): JsonPath[] {
  return allPaths(doc).filter((p) => {
    if (p.length === 0) return false;
    const v = getAt(doc, p);
    return isObject(v) && typeof v['resourceType'] === 'string';
  });
}

export function getAt(doc: Json, path: JsonPath): Json | undefined {
  let cur: Json | undefined = doc;
  for (const key of path) {
    if (Array.isArray(cur) && typeof key === 'number') cur = cur[key];
    else if (isObject(cur) && typeof key === 'string') cur = cur[key];
    else return undefined;
  }
  return cur;
}

/** A key that JSON.parse would make an own property (`__proto__` included), set without touching prototypes. */
function setOwn(obj: { [key: string]: Json }, key: string, value: Json): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Copies the containers along `path` and applies `edit` to the one at its end (its parent for a key edit). */
function editAt(doc: Json, path: JsonPath, edit: (value: Json | undefined) => Json | undefined): Json {
  if (path.length === 0) return edit(doc) ?? null;
  const [head, ...rest] = path;
  if (Array.isArray(doc) && typeof head === 'number' && head < doc.length) {
    const copy = doc.slice();
    if (rest.length === 0) {
      const replaced = edit(doc[head]);
      if (replaced === undefined) copy.splice(head, 1);
      else copy[head] = replaced;
    } else {
      copy[head] = editAt(doc[head] ?? null, rest, edit);
    }
    return copy;
  }
  // A path an earlier mutation removed: nothing to edit.
  if (isObject(doc) && typeof head === 'string' && (rest.length === 0 || Object.hasOwn(doc, head))) {
    const copy: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(doc)) setOwn(copy, k, v);
    if (rest.length === 0) {
      const replaced = edit(doc[head]);
      if (replaced === undefined) Reflect.deleteProperty(copy, head);
      else setOwn(copy, head, replaced);
    } else {
      setOwn(copy, head, editAt(doc[head] ?? null, rest, edit));
    }
    return copy;
  }
  return doc;
}

export type Mutation =
  | { readonly op: 'replace'; readonly at: number; readonly value: Json }
  | { readonly op: 'delete'; readonly at: number }
  | { readonly op: 'extra'; readonly at: number; readonly key: string; readonly value: Json }
  | { readonly op: 'duplicate'; readonly at: number }
  /** A second Bundle entry with the same resource type and id but one field different (conflicting duplicates). */
  | { readonly op: 'twin'; readonly resource: number; readonly field: string; readonly value: Json }
  | { readonly op: 'other-patient'; readonly resource: number; readonly patientId: string }
  | { readonly op: 'retype'; readonly resource: number; readonly resourceType: string }
  | { readonly op: 'strip-id'; readonly resource: number };

/** What can be substituted for any value. */
export function junkValue(): fc.Arbitrary<Json> {
  const deep = fc.integer({ min: 10, max: 400 }).map((depth): Json => {
    let v: Json = 'bottom';
    for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { n: v };
    return v;
  });
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom<Json>(null, true, false, 0, -1, 1e308, -1e308, 0.1, 2 ** 53 + 1, '', ' ', 'null', [], {}, [null], { resourceType: null }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.constantFrom<Json>('\u0000', '\uD800', '\u202E\u0645\u0631\u062D\u0628\u0627', '🦴🦴🦴', 'e\u0301'.repeat(50), 'Ω≈ç√∫', '<script>alert(1)</script>', '../../etc/passwd', "'; DROP TABLE", '{{context.patientId}}') },
    { weight: 2, arbitrary: fc.constantFrom<Json>('2026-02-30', '2026-13-01', '0000-00-00', '9999-12-31T23:59:59Z', '2026', '2026-02', 'yesterday', '1e400', 'NaN', '-0', 'M87.051', '24028007', 'Patient/other', 'http://example.org') },
    { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 200_000 }).map((n) => 'x'.repeat(n)) },
    { weight: 1, arbitrary: deep },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
    { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  );
}

const extraKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'resourceType', 'id', 'extension', 'modifierExtension', 'contained', 'fhirServer', 'prefetch', 'hook', '', ' ', '$ref'),
  fc.string({ maxLength: 12 }),
);

/** Fields a conflicting duplicate differs in: the ones the clinical code reads. */
const TWIN_FIELDS = ['status', 'code', 'clinicalStatus', 'verificationStatus', 'bodySite', 'valueQuantity', 'valueCodeableConcept', 'effectiveDateTime', 'onsetDateTime', 'started', 'series', 'medicationCodeableConcept', 'component', 'subject'];

const RESOURCE_TYPES = ['Patient', 'Condition', 'Observation', 'ImagingStudy', 'MedicationRequest', 'MedicationStatement', 'DeviceRequest', 'ServiceRequest', 'Bundle', 'OperationOutcome', 'Medication', 'Foo', 'patient', ''];

export function mutationArb(pathCount: number, resourceCount: number): fc.Arbitrary<Mutation> {
  const at = fc.nat({ max: Math.max(0, pathCount - 1) });
  const resource = fc.nat({ max: Math.max(0, resourceCount - 1) });
  const byPath: fc.Arbitrary<Mutation>[] = [
    fc.record({ op: fc.constant('replace' as const), at, value: junkValue() }),
    fc.record({ op: fc.constant('delete' as const), at }),
    fc.record({ op: fc.constant('extra' as const), at, key: extraKey, value: junkValue() }),
    fc.record({ op: fc.constant('duplicate' as const), at }),
  ];
  if (resourceCount === 0) return fc.oneof(...byPath);
  return fc.oneof(
    { weight: 4, arbitrary: byPath[0] as fc.Arbitrary<Mutation> },
    { weight: 2, arbitrary: byPath[1] as fc.Arbitrary<Mutation> },
    { weight: 2, arbitrary: byPath[2] as fc.Arbitrary<Mutation> },
    { weight: 1, arbitrary: byPath[3] as fc.Arbitrary<Mutation> },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('other-patient' as const), resource, patientId: fc.constantFrom('someone-else', 'bench-onfh-2', '') }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('retype' as const), resource, resourceType: fc.constantFrom(...RESOURCE_TYPES) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('strip-id' as const), resource }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('twin' as const), resource, field: fc.constantFrom(...TWIN_FIELDS), value: junkValue() }) },
  );
}

/** A base document and its paths: mutate it with `mutate`. */
export interface Mutable {
  readonly doc: Json;
  readonly paths: readonly JsonPath[];
  readonly resources: readonly JsonPath[];
}

export function mutable(doc: Json): Mutable {
  return { doc, paths: allPaths(doc), resources: resourcePaths(doc) };
}

export function mutate(base: Mutable, doc: Json, mutation: Mutation): Json {
  switch (mutation.op) {
    case 'replace':
      return editAt(doc, base.paths[mutation.at] ?? [], () => mutation.value);
    case 'delete': {
      const path = base.paths[mutation.at] ?? [];
      return path.length === 0 ? null : editAt(doc, path, () => undefined);
    }
    case 'extra':
      return editAt(doc, base.paths[mutation.at] ?? [], (v) => {
        if (isObject(v)) {
          const copy: { [key: string]: Json } = {};
          for (const [k, x] of Object.entries(v)) setOwn(copy, k, x);
          setOwn(copy, mutation.key, mutation.value);
          return copy;
        }
        if (Array.isArray(v)) return [...v, mutation.value];
        return v;
      });
    case 'duplicate': {
      const path = base.paths[mutation.at] ?? [];
      const parentPath = path.slice(0, -1);
      const index = path[path.length - 1];
      return editAt(doc, parentPath, (parent) => {
        if (!Array.isArray(parent) || typeof index !== 'number' || index >= parent.length) return parent;
        const copy = parent.slice();
        copy.splice(index, 0, parent[index] ?? null);
        return copy;
      });
    }
    case 'other-patient':
      return editAt(doc, base.resources[mutation.resource] ?? [], (r) => {
        if (!isObject(r)) return r;
        const reference = `Patient/${mutation.patientId}`;
        if (r['resourceType'] === 'Patient') return { ...r, id: mutation.patientId };
        return { ...r, subject: { reference }, ...(r['patient'] !== undefined ? { patient: { reference } } : {}) };
      });
    case 'retype':
      return editAt(doc, base.resources[mutation.resource] ?? [], (r) => (isObject(r) ? { ...r, resourceType: mutation.resourceType } : r));
    case 'strip-id':
      return editAt(doc, base.resources[mutation.resource] ?? [], (r) => {
        if (!isObject(r)) return r;
        return Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'id'));
      });
    case 'twin': {
      // a resource in a list ([..., k]) or in a Bundle entry ([..., 'entry', k, 'resource']): the twin goes after it
      const path = base.resources[mutation.resource] ?? [];
      const inEntry = path[path.length - 1] === 'resource';
      const index = path[path.length - (inEntry ? 2 : 1)];
      if (typeof index !== 'number') return doc;
      return editAt(doc, path.slice(0, inEntry ? -2 : -1), (list) => {
        if (!Array.isArray(list) || index >= list.length) return list;
        const item = list[index];
        const resource = inEntry && isObject(item) ? item['resource'] : item;
        if (!isObject(item) || !isObject(resource)) return list;
        const twin: { [key: string]: Json } = {};
        for (const [k, v] of Object.entries(resource)) setOwn(twin, k, v);
        setOwn(twin, mutation.field, mutation.value);
        const copy = list.slice();
        copy.splice(index + 1, 0, inEntry ? { ...item, resource: twin } : twin);
        return copy;
      });
    }
  }
}

const pathText = (path: JsonPath | undefined): string =>
  path === undefined ? '?' : path.length === 0 ? '(root)' : path.map((k) => (typeof k === 'number' ? `[${String(k)}]` : `.${k}`)).join('').replace(/^\./, '');
const valueText = (v: Json): string => {
  const text = JSON.stringify(v);
  return text.length > 80 ? `${text.slice(0, 60)}… (${String(text.length)} chars)` : text;
};

/** A mutation in words, e.g. `replace prefetch.conditions.entry[0] with null`. */
export function describeMutation(base: Mutable, m: Mutation): string {
  switch (m.op) {
    case 'replace':
      return `replace ${pathText(base.paths[m.at])} with ${valueText(m.value)}`;
    case 'delete':
      return `delete ${pathText(base.paths[m.at])}`;
    case 'extra':
      return `add ${JSON.stringify(m.key)}: ${valueText(m.value)} to ${pathText(base.paths[m.at])}`;
    case 'duplicate':
      return `duplicate ${pathText(base.paths[m.at])}`;
    case 'other-patient':
      return `give ${pathText(base.resources[m.resource])} to Patient/${m.patientId}`;
    case 'retype':
      return `make ${pathText(base.resources[m.resource])} a ${JSON.stringify(m.resourceType)}`;
    case 'strip-id':
      return `remove the id of ${pathText(base.resources[m.resource])}`;
    case 'twin':
      return `add a twin of ${pathText(base.resources[m.resource])} (same id) whose ${m.field} is ${valueText(m.value)}`;
  }
}

export interface MutatedCase {
  readonly doc: Json;
  /** The mutations in words (what a failure message shows instead of the whole document). */
  readonly described: readonly string[];
}

/** One to `max` mutations of `base`, applied in order (later paths may no longer exist: then no-ops). */
export function mutatedDoc(base: Mutable, max = 4): fc.Arbitrary<MutatedCase> {
  return fc
    .array(mutationArb(base.paths.length, base.resources.length), { minLength: 1, maxLength: max })
    .map((mutations) => ({
      doc: mutations.reduce<Json>((d, m) => mutate(base, d, m), base.doc),
      described: mutations.map((m) => describeMutation(base, m)),
    }));
}
