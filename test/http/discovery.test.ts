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

  it('asks for the patient and their conditions, observations, imaging studies and medications', async () => {
    const res = await app.inject({ method: 'GET', url: '/cds-services' });
    const { services } = res.json<{ services: { prefetch: Record<string, string> }[] }>();
    for (const s of services) {
      expect(s.prefetch).toEqual({
        patient: 'Patient/{{context.patientId}}',
        conditions: 'Condition?patient={{context.patientId}}',
        observations: 'Observation?patient={{context.patientId}}&status=final,amended,corrected,preliminary',
        imagingStudies: 'ImagingStudy?patient={{context.patientId}}&status=registered,available,unknown',
        medicationRequests: 'MedicationRequest?patient={{context.patientId}}&status=active,on-hold',
        medicationStatements: 'MedicationStatement?patient={{context.patientId}}&status=active,on-hold',
      });
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
