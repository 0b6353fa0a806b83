import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../src/config.js';

describe('GET /cds-services (CDS Hooks 2.0 discovery)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildApp(testConfig());
  });
  afterAll(() => app.close());

  it('lists the three ONFH services with their hooks, titles and descriptions', async () => {
    const res = await app.inject({ method: 'GET', url: '/cds-services' });
    expect(res.statusCode).toBe(200);
    const { services } = res.json<{ services: { id: string; hook: string; title: string; description: string; prefetch: Record<string, string> }[] }>();
    expect(services.map((s) => [s.id, s.hook])).toEqual([
      ['onfh-patient-view', 'patient-view'],
      ['onfh-order-select', 'order-select'],
      ['onfh-order-sign', 'order-sign'],
    ]);
    for (const s of services) {
      expect(s.title).toMatch(/osteonecrosis of the femoral head/i);
      expect(s.description.length).toBeGreaterThan(20);
    }
  });

  it('asks what a US Core server answers: the patient, conditions, observations by category, radiology reports and documents, procedures, imaging orders, imaging studies and medications', async () => {
    const res = await app.inject({ method: 'GET', url: '/cds-services' });
    const { services } = res.json<{ services: { prefetch: Record<string, string> }[] }>();
    const category = 'http://terminology.hl7.org/CodeSystem/observation-category';
    for (const s of services) {
      expect(s.prefetch).toEqual({
        patient: 'Patient/{{context.patientId}}',
        conditions: 'Condition?patient={{context.patientId}}',
        imagingObservations: `Observation?patient={{context.patientId}}&category=${category}|imaging`,
        examObservations: `Observation?patient={{context.patientId}}&category=${category}|exam`,
        laboratoryObservations: `Observation?patient={{context.patientId}}&category=${category}|laboratory`,
        vitalSignObservations: `Observation?patient={{context.patientId}}&category=${category}|vital-signs`,
        socialHistoryObservations: `Observation?patient={{context.patientId}}&category=${category}|social-history`,
        surveyObservations: `Observation?patient={{context.patientId}}&category=${category}|survey`,
        radiologyReports: 'DiagnosticReport?patient={{context.patientId}}&category=http://loinc.org|LP29684-5',
        imagingDocuments: 'DocumentReference?patient={{context.patientId}}&type=http://loinc.org|18748-4',
        procedures: 'Procedure?patient={{context.patientId}}',
        imagingOrders: 'ServiceRequest?patient={{context.patientId}}&category=http://snomed.info/sct|363679005',
        imagingStudies: 'ImagingStudy?patient={{context.patientId}}&status=registered,available,unknown',
        medicationRequests: 'MedicationRequest?patient={{context.patientId}}&intent=order,plan&status=active,on-hold',
        medicationStatements: 'MedicationStatement?patient={{context.patientId}}&status=active,on-hold',
      });
      // every Observation search names a category (Epic refuses patient alone)
      for (const [key, template] of Object.entries(s.prefetch)) {
        if (template.startsWith('Observation?')) expect(template, key).toMatch(/&(category|code)=/);
      }
    }
  });

  it('offers other services when buildApp is given them', async () => {
    const custom = await buildApp(testConfig(), {
      services: [{ id: 'x', hook: 'patient-view', title: 'X', description: 'An X service', prefetch: {} }],
    });
    const res = await custom.inject({ method: 'GET', url: '/cds-services' });
    expect(res.json()).toEqual({ services: [{ id: 'x', hook: 'patient-view', title: 'X', description: 'An X service', prefetch: {} }] });
    await custom.close();
  });
});
