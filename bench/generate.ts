/**
 * A realistic in-scope patient for benchmarks, fuzzing and the soak test: idiopathic ONFH of the
 * right hip (ICD-10-CM M87.051), with MRI and radiograph ImagingStudies and their findings coded
 * in the project's CodeSystem (clinical-spec.md sections 3 and 9), buried in a year of unrelated
 * vitals and labs, as a real chart is. Deterministic: the same seed gives the same bytes.
 *
 *     npx tsx bench/generate.ts [resourceCount] > patient-bundle.json
 */
import type {
  Bundle,
  BundleEntry,
  CodeableConcept,
  Condition,
  DeviceRequest,
  ImagingStudy,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Patient,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';

export const SYSTEMS = {
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  snomed: 'http://snomed.info/sct',
  loinc: 'http://loinc.org',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  dicom: 'http://dicom.nema.org/resources/ontology/DCM',
  ucum: 'http://unitsofmeasure.org',
  finding: 'http://onfh-cds.org/fhir/CodeSystem/onfh-finding',
  arco: 'http://onfh-cds.org/fhir/CodeSystem/arco-2019',
  obsCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  clinicalStatus: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  verificationStatus: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
} as const;

/** A small seeded PRNG (mulberry32): benchmark inputs must not change between runs. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RIGHT_HIP: CodeableConcept = {
  coding: [
    { system: SYSTEMS.snomed, code: '24136001', display: 'Hip joint structure' },
    { system: SYSTEMS.snomed, code: '24028007', display: 'Right' },
  ],
  text: 'Right hip',
};
const BOTH_HIPS: CodeableConcept = {
  coding: [
    { system: SYSTEMS.snomed, code: '24136001', display: 'Hip joint structure' },
    { system: SYSTEMS.snomed, code: '51440002', display: 'Bilateral' },
  ],
  text: 'Both hips',
};

export interface GeneratedPatient {
  readonly patientId: string;
  /** Every resource of the chart (Patient first). */
  readonly resources: readonly Resource[];
}

export interface GenerateOptions {
  readonly patientId?: string;
  /** Total number of resources in the chart (≥ 40); the rest are vitals and labs. */
  readonly resourceCount?: number;
  readonly seed?: number;
}

const dateAt = (base: string, plusDays: number): string => {
  const d = new Date(`${base}T09:00:00Z`);
  d.setUTCDate(d.getUTCDate() + plusDays);
  return d.toISOString().slice(0, 10);
};

/** The chart of an adult with right-hip ONFH, ARCO 2 / Chinese IIb, pre-collapse. */
export function generateOnfhPatient(options: GenerateOptions = {}): GeneratedPatient {
  const patientId = options.patientId ?? 'bench-onfh-1';
  const total = Math.max(40, options.resourceCount ?? 300);
  const random = seededRandom(options.seed ?? 20261121);
  const subject = { reference: `Patient/${patientId}` };
  const resources: Resource[] = [];
  let serial = 0;
  const nextId = (prefix: string): string => `${prefix}-${patientId}-${String(++serial).padStart(4, '0')}`;

  const patient: Patient = {
    resourceType: 'Patient',
    id: patientId,
    name: [{ family: 'Bench', given: ['Ada'] }],
    gender: 'male',
    birthDate: '1978-03-14',
  };
  resources.push(patient);

  // --- Conditions: the ONFH, and the ordinary company of a 48-year-old's problem list.
  const onfh: Condition = {
    resourceType: 'Condition',
    id: nextId('cond'),
    subject,
    clinicalStatus: { coding: [{ system: SYSTEMS.clinicalStatus, code: 'active' }] },
    verificationStatus: { coding: [{ system: SYSTEMS.verificationStatus, code: 'confirmed' }] },
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }] }],
    code: {
      coding: [{ system: SYSTEMS.icd10cm, code: 'M87.051', display: 'Idiopathic aseptic necrosis of right femur' }],
      text: 'Osteonecrosis of the right femoral head',
    },
    bodySite: [RIGHT_HIP],
    onsetDateTime: '2026-02-10',
    recordedDate: '2026-02-12',
    stage: [{ summary: { coding: [{ system: SYSTEMS.arco, code: '2', display: 'ARCO 2' }], text: 'ARCO 2' } }],
  };
  resources.push(onfh);
  const otherConditions: [string, string][] = [
    ['I10', 'Essential (primary) hypertension'],
    ['E78.5', 'Hyperlipidemia, unspecified'],
    ['K21.9', 'Gastro-esophageal reflux disease without esophagitis'],
    ['J45.909', 'Unspecified asthma, uncomplicated'],
  ];
  for (const [code, display] of otherConditions) {
    resources.push({
      resourceType: 'Condition',
      id: nextId('cond'),
      subject,
      clinicalStatus: { coding: [{ system: SYSTEMS.clinicalStatus, code: 'active' }] },
      verificationStatus: { coding: [{ system: SYSTEMS.verificationStatus, code: 'confirmed' }] },
      code: { coding: [{ system: SYSTEMS.icd10cm, code, display }], text: display },
      recordedDate: '2023-05-02',
    } satisfies Condition);
  }

  // --- Imaging: a pelvis MRI at diagnosis, radiographs of both hips, a 6-month right-hip MRI.
  const studies: { date: string; modality: 'MR' | 'DX'; site: CodeableConcept; laterality?: 'R' }[] = [
    { date: '2026-02-05', modality: 'MR', site: BOTH_HIPS },
    { date: '2026-02-05', modality: 'DX', site: BOTH_HIPS },
    { date: '2026-08-01', modality: 'MR', site: RIGHT_HIP, laterality: 'R' },
    { date: '2026-08-01', modality: 'DX', site: BOTH_HIPS },
  ];
  const studyIds: string[] = [];
  for (const s of studies) {
    const id = nextId('img');
    studyIds.push(id);
    const study: ImagingStudy = {
      resourceType: 'ImagingStudy',
      id,
      status: 'available',
      subject,
      started: `${s.date}T10:30:00Z`,
      modality: [{ system: SYSTEMS.dicom, code: s.modality }],
      description: s.modality === 'MR' ? 'MRI hip, coronal T1 and STIR' : 'XR both hips AP and frog-leg lateral',
      numberOfSeries: 1,
      series: [
        {
          uid: `1.2.826.0.1.3680043.8.498.${String(serial)}`,
          modality: { system: SYSTEMS.dicom, code: s.modality },
          bodySite: s.site.coding?.[0] ?? { system: SYSTEMS.snomed, code: '24136001' },
          ...(s.laterality === 'R' ? { laterality: { system: SYSTEMS.snomed, code: '24028007', display: 'Right' } } : {}),
        },
      ],
    };
    resources.push(study);
  }

  // --- Findings (CodeSystem onfh-finding), read off those studies, sided to the right hip.
  const finding = (
    code: string,
    date: string,
    studyId: string | undefined,
    value: Pick<Observation, 'valueBoolean' | 'valueQuantity' | 'valueCodeableConcept' | 'valueInteger'>,
  ): Observation => ({
    resourceType: 'Observation',
    id: nextId('find'),
    status: 'final',
    category: [{ coding: [{ system: SYSTEMS.obsCategory, code: 'imaging' }] }],
    code: { coding: [{ system: SYSTEMS.finding, code }], text: code },
    subject,
    effectiveDateTime: date,
    bodySite: RIGHT_HIP,
    ...(studyId ? { derivedFrom: [{ reference: `ImagingStudy/${studyId}` }] } : {}),
    ...value,
  });
  const pct = (v: number) => ({ valueQuantity: { value: v, unit: '%', system: SYSTEMS.ucum, code: '%' } });
  const mm = (v: number) => ({ valueQuantity: { value: v, unit: 'mm', system: SYSTEMS.ucum, code: 'mm' } });
  const absent = { valueCodeableConcept: { coding: [{ system: SYSTEMS.snomed, code: '2667000', display: 'Absent' }] } };
  const [mri1, xr1, mri2, xr2] = studyIds;
  resources.push(
    finding('mri-necrosis-sign', '2026-02-05', mri1, { valueBoolean: true }),
    finding('necrotic-extent', '2026-02-05', mri1, pct(18)),
    finding('bone-marrow-edema', '2026-02-05', mri1, absent),
    finding('jic-type', '2026-02-05', mri1, { valueCodeableConcept: { text: 'B' } }),
    finding('xray-abnormal', '2026-02-05', xr1, { valueBoolean: false }),
    finding('mri-necrosis-sign', '2026-08-01', mri2, { valueBoolean: true }),
    finding('necrotic-extent', '2026-08-01', mri2, pct(22)),
    finding('bone-marrow-edema', '2026-08-01', mri2, { valueBoolean: false }),
    finding('kerboul-angle', '2026-08-01', mri2, { valueQuantity: { value: 160, unit: 'deg', system: SYSTEMS.ucum, code: 'deg' } }),
    finding('xray-abnormal', '2026-08-01', xr2, { valueBoolean: true }),
    finding('collapse-depth', '2026-08-01', xr2, mm(0)),
    finding('subchondral-fracture', '2026-08-01', xr2, { valueBoolean: false }),
    finding('joint-space-narrowing', '2026-08-01', xr2, { valueBoolean: false }),
  );

  // --- Medications: an antihypertensive, a statin, and a finished prednisone course.
  const meds: [string, string][] = [
    ['29046', 'lisinopril'],
    ['83367', 'atorvastatin'],
  ];
  for (const [code, display] of meds) {
    resources.push({
      resourceType: 'MedicationRequest',
      id: nextId('medrx'),
      status: 'active',
      intent: 'order',
      subject,
      authoredOn: '2025-11-03',
      medicationCodeableConcept: { coding: [{ system: SYSTEMS.rxnorm, code, display }], text: display },
    } satisfies MedicationRequest);
  }
  resources.push({
    resourceType: 'MedicationStatement',
    id: nextId('medst'),
    status: 'completed',
    subject,
    effectivePeriod: { start: '2024-01-10', end: '2024-03-01' },
    medicationCodeableConcept: { coding: [{ system: SYSTEMS.rxnorm, code: '8640', display: 'prednisone' }], text: 'prednisone' },
  } satisfies MedicationStatement);

  // --- Scores and social history the engine reads.
  const loincObs = (
    code: string,
    display: string,
    date: string,
    category: string,
    value: Pick<Observation, 'valueQuantity' | 'valueInteger' | 'valueCodeableConcept'>,
    bodySite?: CodeableConcept,
  ): Observation => ({
    resourceType: 'Observation',
    id: nextId('obs'),
    status: 'final',
    category: [{ coding: [{ system: SYSTEMS.obsCategory, code: category }] }],
    code: { coding: [{ system: SYSTEMS.loinc, code, display }], text: display },
    subject,
    effectiveDateTime: `${date}T09:15:00Z`,
    ...(bodySite ? { bodySite } : {}),
    ...value,
  });
  resources.push(
    loincObs('72514-3', 'Pain severity - 0-10 verbal numeric rating [Score] - Reported', '2026-02-05', 'survey', { valueInteger: 3 }, RIGHT_HIP),
    loincObs('72514-3', 'Pain severity - 0-10 verbal numeric rating [Score] - Reported', '2026-08-01', 'survey', { valueInteger: 4 }, RIGHT_HIP),
    loincObs('100291-4', 'Harris Hip Score', '2026-08-01', 'survey', { valueInteger: 78 }),
    loincObs('72166-2', 'Tobacco smoking status', '2026-02-05', 'social-history', {
      valueCodeableConcept: { coding: [{ system: SYSTEMS.snomed, code: '266919005', display: 'Never smoked tobacco' }] },
    }),
    loincObs('75626-2', 'Total score [AUDIT-C]', '2026-02-05', 'survey', { valueInteger: 2 }),
  );

  // --- Filler: weekly vitals and monthly labs until the chart holds `total` resources.
  const vitals: [string, string, string, number, number][] = [
    ['8867-4', 'Heart rate', '/min', 58, 92],
    ['9279-1', 'Respiratory rate', '/min', 12, 20],
    ['8310-5', 'Body temperature', 'Cel', 36.2, 37.4],
    ['59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry', '%', 94, 100],
    ['29463-7', 'Body weight', 'kg', 78, 84],
    ['39156-5', 'Body mass index (BMI) [Ratio]', 'kg/m2', 24.5, 26.5],
  ];
  const labs: [string, string, string, number, number][] = [
    ['718-7', 'Hemoglobin [Mass/volume] in Blood', 'g/dL', 13.2, 16.1],
    ['6690-2', 'Leukocytes [#/volume] in Blood by Automated count', '10*3/uL', 4.1, 9.8],
    ['777-3', 'Platelets [#/volume] in Blood by Automated count', '10*3/uL', 180, 340],
    ['2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', 'mg/dL', 0.7, 1.1],
    ['98979-8', 'Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma or Blood by Creatinine-based formula (CKD-EPI 2021)', 'mL/min/{1.73_m2}', 85, 110],
    ['2345-7', 'Glucose [Mass/volume] in Serum or Plasma', 'mg/dL', 78, 118],
    ['2951-2', 'Sodium [Moles/volume] in Serum or Plasma', 'mmol/L', 136, 144],
    ['2823-3', 'Potassium [Moles/volume] in Serum or Plasma', 'mmol/L', 3.6, 4.9],
    ['1742-6', 'Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma', 'U/L', 12, 48],
    ['6301-6', 'INR in Platelet poor plasma by Coagulation assay', '{INR}', 0.9, 1.1],
  ];
  const between = (lo: number, hi: number): number => Math.round((lo + (hi - lo) * random()) * 10) / 10;
  let day = 0;
  while (resources.length < total) {
    const date = dateAt('2025-11-21', day);
    const bp: Observation = {
      resourceType: 'Observation',
      id: nextId('obs'),
      status: 'final',
      category: [{ coding: [{ system: SYSTEMS.obsCategory, code: 'vital-signs' }] }],
      code: { coding: [{ system: SYSTEMS.loinc, code: '85354-9', display: 'Blood pressure panel' }], text: 'Blood pressure' },
      subject,
      effectiveDateTime: `${date}T08:40:00Z`,
      component: [
        { code: { coding: [{ system: SYSTEMS.loinc, code: '8480-6' }] }, valueQuantity: { value: between(118, 142), unit: 'mm[Hg]', system: SYSTEMS.ucum, code: 'mm[Hg]' } },
        { code: { coding: [{ system: SYSTEMS.loinc, code: '8462-4' }] }, valueQuantity: { value: between(72, 90), unit: 'mm[Hg]', system: SYSTEMS.ucum, code: 'mm[Hg]' } },
      ],
    };
    const batch: Observation[] = [bp];
    for (const [code, display, unit, lo, hi] of vitals) {
      batch.push(loincObs(code, display, date, 'vital-signs', { valueQuantity: { value: between(lo, hi), unit, system: SYSTEMS.ucum, code: unit } }));
    }
    if (day % 28 === 0) {
      for (const [code, display, unit, lo, hi] of labs) {
        batch.push(loincObs(code, display, date, 'laboratory', { valueQuantity: { value: between(lo, hi), unit, system: SYSTEMS.ucum, code: unit } }));
      }
    }
    for (const o of batch) if (resources.length < total) resources.push(o);
    day += 7;
  }
  return { patientId, resources };
}

/** The three draft orders of the order-sign benchmark: a bisphosphonate, a wheelchair, and a lipid panel. */
export function draftOrders(patientId: string): Bundle {
  const subject = { reference: `Patient/${patientId}` };
  const alendronate: MedicationRequest = {
    resourceType: 'MedicationRequest',
    id: 'draft-alendronate',
    status: 'draft',
    intent: 'order',
    subject,
    authoredOn: '2026-11-21',
    medicationCodeableConcept: {
      coding: [{ system: SYSTEMS.rxnorm, code: '46041', display: 'alendronate' }],
      text: 'alendronate 70 mg tablet, once weekly',
    },
    dosageInstruction: [{ text: '70 mg by mouth once a week' }],
  };
  const wheelchair: DeviceRequest = {
    resourceType: 'DeviceRequest',
    id: 'draft-wheelchair',
    status: 'draft',
    intent: 'order',
    subject,
    authoredOn: '2026-11-21',
    codeCodeableConcept: { coding: [{ system: SYSTEMS.snomed, code: '58938008', display: 'Wheelchair' }], text: 'Wheelchair' },
  };
  const lipidPanel: ServiceRequest = {
    resourceType: 'ServiceRequest',
    id: 'draft-lipid-panel',
    status: 'draft',
    intent: 'order',
    subject,
    authoredOn: '2026-11-21',
    code: { coding: [{ system: SYSTEMS.loinc, code: '57698-3', display: 'Lipid panel with direct LDL - Serum or Plasma' }] },
  };
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [alendronate, wheelchair, lipidPanel].map((resource) => ({ resource })),
  };
}

/** Prefetch templates as a CDS service advertises them in discovery (key → FHIR query). */
export type PrefetchTemplates = Readonly<Record<string, string>>;

/** Used when no discovery document is at hand: one query per resource type the engine reads. */
export const FALLBACK_TEMPLATES: PrefetchTemplates = {
  patient: 'Patient/{{context.patientId}}',
  conditions: 'Condition?patient={{context.patientId}}',
  observations: 'Observation?patient={{context.patientId}}',
  imagingStudies: 'ImagingStudy?patient={{context.patientId}}',
  medicationRequests: 'MedicationRequest?patient={{context.patientId}}',
  medicationStatements: 'MedicationStatement?patient={{context.patientId}}',
};

/**
 * What an EHR would prefetch for these templates: `Type/{{context.patientId}}` → the resource,
 * `Type?…` → a searchset Bundle of that type's resources of the patient. A `category=` or `type=`
 * token (`system|code`: the US Core searches, one per Observation category) is applied, as the EHR
 * would; other search parameters (status, intent) are not: the EHR is assumed to send the whole
 * type, which is the heavier case.
 */
export function buildPrefetch(
  resources: readonly Resource[],
  templates: PrefetchTemplates,
  patientId: string,
): Record<string, Resource> {
  const prefetch: Record<string, Resource> = {};
  for (const [key, template] of Object.entries(templates)) {
    const query = template.replaceAll('{{context.patientId}}', patientId);
    const [path = ''] = query.split('?');
    const [type = '', id] = path.split('/');
    if (id !== undefined && !query.includes('?')) {
      const found = resources.find((r) => r.resourceType === type && r.id === id);
      if (found) prefetch[key] = found;
      continue;
    }
    const token = /[?&](category|type)=([^&]*)/.exec(query);
    const entry: BundleEntry[] = resources
      .filter((r) => r.resourceType === type && (token === null || hasToken(r, token[1] ?? '', token[2] ?? '')))
      .map((resource) => ({ fullUrl: `urn:uuid:${resource.resourceType}-${resource.id ?? ''}`, resource }));
    prefetch[key] = { resourceType: 'Bundle', type: 'searchset', total: entry.length, entry };
  }
  return prefetch;
}

/** Whether the resource's `field` (a CodeableConcept or a list of them) holds the coding `system|code`. */
function hasToken(resource: Resource, field: string, token: string): boolean {
  const [system, code] = token.split('|');
  const value = (resource as unknown as Record<string, unknown>)[field];
  const concepts = (Array.isArray(value) ? value : [value]) as ({ coding?: { system?: string; code?: string }[] } | undefined)[];
  return concepts.some((c) => (c?.coding ?? []).some((x) => x.system === system && x.code === code));
}

export interface HookRequestOptions {
  /** With it, a bearer token for that server (fhirAuthorization), as an EHR sends it. */
  readonly fhirServer?: string;
  readonly prefetch?: Record<string, unknown>;
  readonly hookInstance?: string;
}

/** fhirServer and fhirAuthorization (CDS Hooks 2.0 "Passing the Access Token to the CDS Service"). */
function fhirAccess(patientId: string, fhirServer: string | undefined): Record<string, unknown> {
  if (fhirServer === undefined) return {};
  return {
    fhirServer,
    fhirAuthorization: {
      access_token: 'bench-token-not-secret',
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'patient/Patient.read patient/Condition.read patient/Observation.read patient/ImagingStudy.read patient/MedicationRequest.read patient/MedicationStatement.read',
      subject: 'onfh-cds',
      patient: patientId,
    },
  };
}

/** A CDS Hooks 2.0 patient-view request (spec: https://cds-hooks.hl7.org/2.0/#calling-a-cds-service). */
export function patientViewRequest(patientId: string, options: HookRequestOptions = {}): Record<string, unknown> {
  return {
    hook: 'patient-view',
    hookInstance: options.hookInstance ?? 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
    ...fhirAccess(patientId, options.fhirServer),
    context: { userId: 'Practitioner/bench-1', patientId, encounterId: 'enc-bench-1' },
    ...(options.prefetch ? { prefetch: options.prefetch } : {}),
  };
}

/** A CDS Hooks 2.0 order-sign request carrying `draftOrders` (spec: order-sign hook, context). */
export function orderSignRequest(patientId: string, options: HookRequestOptions = {}): Record<string, unknown> {
  return {
    hook: 'order-sign',
    hookInstance: options.hookInstance ?? '5e6ef9b2-3b8c-4d4c-9c0b-d1c2b4a0e111',
    ...fhirAccess(patientId, options.fhirServer),
    context: { userId: 'Practitioner/bench-1', patientId, encounterId: 'enc-bench-1', draftOrders: draftOrders(patientId) },
    ...(options.prefetch ? { prefetch: options.prefetch } : {}),
  };
}

/** The chart as one collection Bundle (what `POST /assessment` and the FHIR test server take). */
export function asBundle(resources: readonly Resource[]): Bundle {
  return { resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) };
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const count = Number(process.argv[2] ?? 300);
  process.stdout.write(`${JSON.stringify(asBundle(generateOnfhPatient({ resourceCount: count }).resources), null, 2)}\n`);
}
