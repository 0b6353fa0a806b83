/**
 * CDS Hooks 2.0 request wire types and their zod schemas: the service call ("Calling a CDS
 * Service › HTTP Request"), `fhirAuthorization` ("Passing the Access Token to the CDS Service"),
 * `prefetch` ("Prefetch Template"), and the contexts of the three hooks we answer, from the
 * HL7 CDS Hooks Library (patient-view, order-select, order-sign, hookVersion 1.0).
 * Spec: https://cds-hooks.hl7.org/2.0/ (source HL7/cds-hooks input/pagecontent/index.md).
 */
import { z } from 'zod';

/** FHIR R4 `id` (datatypes.html#id): also what keeps an id from adding a query parameter or path segment. */
export const FhirIdSchema = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'must be a FHIR id ([A-Za-z0-9-.], 1 to 64 characters)');

const userReference = (types: readonly [string, ...string[]]) =>
  z
    .string()
    .regex(new RegExp(`^(${types.join('|')})/[A-Za-z0-9\\-.]{1,64}$`), `must be a reference ${types.join(' | ')}/{id}`);

/** `ResourceType/id`, as in order-select `selections` ("MedicationRequest/103"). */
export const RelativeReferenceSchema = z.string().regex(/^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/, 'must be a relative reference ResourceType/id');

/** Any FHIR resource: only `resourceType` (and `id`, when present) is checked at the HTTP edge. */
export const FhirResourceSchema = z.looseObject({
  resourceType: z.string().regex(/^[A-Z][A-Za-z]{1,63}$/, 'must be a FHIR resource type'),
  id: FhirIdSchema.optional(),
});

/**
 * order-select / order-sign `draftOrders`: "A Bundle of FHIR request resources". The Library's own
 * examples omit `Bundle.type`, so it is not required here.
 */
export const DraftOrdersSchema = z.looseObject({
  resourceType: z.literal('Bundle'),
  type: z.string().min(1).optional(),
  entry: z.array(z.looseObject({ resource: FhirResourceSchema })).optional(),
});

/** CDS Hooks 2.0 "Passing the Access Token": every field REQUIRED but `patient` (CONDITIONAL). */
export const FhirAuthorizationSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().nonnegative(),
  scope: z.string().min(1),
  subject: z.string().min(1),
  patient: FhirIdSchema.optional(),
});

/**
 * The prefetch object: key → the FHIR resource (often a searchset Bundle) or `null` ("the CDS
 * Client has no data to populate a template prefetch key"). An OperationOutcome is a resource too:
 * it reports a prefetch the client could not do.
 */
export const PrefetchSchema = z.record(z.string().min(1), FhirResourceSchema.nullable());

/** patient-view context (CDS Hooks Library patient-view 1.0). */
export const PatientViewContextSchema = z.object({
  userId: userReference(['Practitioner', 'PractitionerRole', 'Patient', 'RelatedPerson']),
  patientId: FhirIdSchema,
  encounterId: FhirIdSchema.optional(),
});

/** An issue of a check across fields: where (relative to the checked object) and what. */
interface CrossFieldIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * A check across the fields of an object schema, for `.check()`: `rule` answers the issues, which
 * are reported as zod's own `superRefine` reports them (code `custom`, later checks still run).
 * Not `.superRefine()` on request schemas: zod 4's superRefine gives each parse a new closure
 * (`payload.addIssue`) that holds the parsed value, and on these schemas that kept several
 * requests' prefetch trees alive through V8's young-generation collections until the next full
 * collection (measured in a loop of 3,000 parses of the 186 KiB benchmark request: about 6 MB
 * surviving each scavenge and 9–12 ms pauses, against 0.3 MB and about 1 ms with `.check()`).
 */
function crossFieldCheck<T>(rule: (value: T) => readonly CrossFieldIssue[]): (payload: z.core.ParsePayload<T>) => void {
  return (payload) => {
    for (const issue of rule(payload.value)) {
      payload.issues.push({ code: 'custom', path: [...issue.path], message: issue.message, input: payload.value, continue: true });
    }
  };
}

const orderContextFields = {
  userId: userReference(['Practitioner', 'PractitionerRole']),
  patientId: FhirIdSchema,
  encounterId: FhirIdSchema.optional(),
  draftOrders: DraftOrdersSchema,
};

/** order-sign context (CDS Hooks Library order-sign 1.0). */
export const OrderSignContextSchema = z.object(orderContextFields);

/**
 * order-select context (CDS Hooks Library order-select 1.0): `selections` "references FHIR
 * resources in the draftOrders Bundle", so each must name one of them.
 */
export const OrderSelectContextSchema = z
  .object({ ...orderContextFields, selections: z.array(RelativeReferenceSchema).min(1) })
  .check(crossFieldCheck((ctx) => {
    const inBundle = new Set((ctx.draftOrders.entry ?? []).map((e) => `${e.resource.resourceType}/${e.resource.id ?? ''}`));
    const problems: CrossFieldIssue[] = [];
    ctx.selections.forEach((selection, i) => {
      if (!inBundle.has(selection)) problems.push({ path: ['selections', i], message: 'is not a resource of context.draftOrders' });
    });
    return problems;
  }));

const requestFields = {
  /** "A universally unique identifier (UUID) for this particular hook call". */
  hookInstance: z.uuid(),
  /** "The base URL of the CDS Client's FHIR server"; https in production is the security layer's call. */
  fhirServer: z
    .url({ protocol: /^https?$/ })
    .refine((u) => {
      // zod runs this check even when the URL check above failed: that failure is already reported.
      if (!URL.canParse(u)) return true;
      const url = new URL(u);
      return url.search === '' && url.hash === '' && url.username === '' && url.password === '';
    }, 'must be a base URL, without query, fragment or credentials')
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  fhirAuthorization: FhirAuthorizationSchema.optional(),
  prefetch: PrefetchSchema.optional(),
};

/** "If fhirAuthorization is provided, this field [fhirServer] is REQUIRED." */
const fhirServerWithToken = crossFieldCheck((req: { fhirServer?: string | undefined; fhirAuthorization?: unknown }) =>
  req.fhirAuthorization !== undefined && req.fhirServer === undefined ? [{ path: ['fhirServer'], message: 'is required when fhirAuthorization is given' }] : [],
);

export const PatientViewRequestSchema = z
  .object({ hook: z.literal('patient-view'), ...requestFields, context: PatientViewContextSchema })
  .check(fhirServerWithToken);
export const OrderSelectRequestSchema = z
  .object({ hook: z.literal('order-select'), ...requestFields, context: OrderSelectContextSchema })
  .check(fhirServerWithToken);
export const OrderSignRequestSchema = z
  .object({ hook: z.literal('order-sign'), ...requestFields, context: OrderSignContextSchema })
  .check(fhirServerWithToken);

export const CdsRequestSchema = z.discriminatedUnion('hook', [PatientViewRequestSchema, OrderSelectRequestSchema, OrderSignRequestSchema]);

export type CdsRequest = z.output<typeof CdsRequestSchema>;
export type HookName = CdsRequest['hook'];
export type HookContext = CdsRequest['context'];

