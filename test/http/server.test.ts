/** src/server.ts: configuration errors, listening, timeouts, graceful shutdown. */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testConfig } from '../../src/config.js';
import { main, startServer } from '../../src/server.js';
import { startFhirServer, type FhirTestServer } from '../support/fhir-server.js';
import { ACCESS_TOKEN, fhirAuthorization, patientResources, patientViewRequest, PATIENT_ID } from '../support/hook-requests.js';

const config = (extra: Record<string, string> = {}) => testConfig({ HOST: '127.0.0.1', PORT: '0', ...extra });

describe('server', () => {
  let fhir: FhirTestServer;
  beforeAll(async () => {
    fhir = await startFhirServer({ requiredToken: ACCESS_TOKEN });
    await fhir.seed(patientResources(PATIENT_ID, 2));
  });
  afterAll(() => fhir.close());

  /** A hook call that fetches everything from the FHIR server, whose Observation search waits `ms`. */
  function slowHookCall(address: string, ms: number): Promise<Response> {
    // a call searches Observations once per category: an earlier call's later searches must not count as this one's
    fhir.requests.length = 0;
    fhir.injectFault({ resourceType: 'Observation', fault: { kind: 'delay', ms }, times: 1 });
    return fetch(`${address}/cds-services/onfh-patient-view`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(patientViewRequest({ fhirServer: fhir.baseUrl, fhirAuthorization: fhirAuthorization() })),
    });
  }

  /** The hook call is in flight once the service is waiting on the FHIR server's Observation search. */
  async function inFlightAtFhirServer(): Promise<void> {
    await vi.waitFor(() => {
      expect(fhir.requests.some((r) => r.url.startsWith('/fhir/Observation'))).toBe(true);
    });
    fhir.requests.length = 0;
  }

  it('names a bad configuration variable and exits 1', async () => {
    const exit = vi.fn();
    const writeError = vi.fn();
    const running = await main({ env: { PORT: 'eighty', LOG_LEVEL: 'loud' }, exit, writeError });
    expect(running).toBeUndefined();
    expect(exit).toHaveBeenCalledWith(1);
    const message = String(writeError.mock.calls[0]?.[0]);
    expect(message).toContain('PORT');
    expect(message).toContain('LOG_LEVEL');
  });

  it('starts from the environment with the app options made from the config', async () => {
    const running = await main({
      env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', HOST: '127.0.0.1', PORT: '0' },
      exit: vi.fn(),
      appOptions: (cfg) => ({ services: [{ id: `svc-${cfg.NODE_ENV}`, hook: 'patient-view', title: 'T', description: 'D', prefetch: {} }] }),
    });
    const res = await fetch(`${running?.address ?? ''}/cds-services`);
    expect(((await res.json()) as { services: { id: string }[] }).services.map((s) => s.id)).toEqual(['svc-test']);
    expect(await running?.shutdown()).toBe(0);
  });

  it('listens on HOST/PORT with the configured server timeouts', async () => {
    const server = await startServer(config({ REQUEST_TIMEOUT_MS: '5000', HEADERS_TIMEOUT_MS: '2000' }), { handleSignals: false });
    expect(server.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.app.server.requestTimeout).toBe(5000);
    expect(server.app.server.headersTimeout).toBe(2000);
    const res = await fetch(`${server.address}/readyz`);
    expect(res.status).toBe(200);
    expect(await server.shutdown()).toBe(0);
  });

  it('cuts a client that sends its headers too slowly (HEADERS_TIMEOUT_MS)', async () => {
    const server = await startServer(config({ HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '5000' }), { handleSignals: false });
    const { port } = new URL(server.address);
    const socket = connect(Number(port), '127.0.0.1');
    const started = Date.now();
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      socket.on('close', () => {
        resolve(text);
      });
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(3500);
    await server.shutdown();
  });

  it('on shutdown: readyz turns 503, new connections are refused, the in-flight call finishes, exit code 0', async () => {
    const server = await startServer(config({ FHIR_TIMEOUT_MS: '3000', SHUTDOWN_TIMEOUT_MS: '5000' }), { handleSignals: false });
    const inFlight = slowHookCall(server.address, 400);
    await inFlightAtFhirServer();
    const stopped = server.shutdown('test');

    const ready = await server.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    await expect(fetch(`${server.address}/healthz`)).rejects.toThrow();

    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ cards: [] });
    expect(await stopped).toBe(0);
  });

  it('cuts requests that outlive SHUTDOWN_TIMEOUT_MS and reports exit code 1', async () => {
    const server = await startServer(config({ FHIR_TIMEOUT_MS: '5000', SHUTDOWN_TIMEOUT_MS: '200' }), { handleSignals: false });
    const inFlight = slowHookCall(server.address, 2000).then(
      (r) => r.status,
      () => 'cut',
    );
    await inFlightAtFhirServer();
    const started = Date.now();
    expect(await server.shutdown()).toBe(1);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await inFlight).toBe('cut');
  });

  it('shuts down on SIGTERM and then exits 0', async () => {
    const exit = vi.fn();
    const sigintListeners = process.listenerCount('SIGINT');
    const server = await startServer(config(), { exit });
    process.emit('SIGTERM');
    await vi.waitFor(() => {
      expect(exit).toHaveBeenCalledWith(0);
    });
    expect(server.app.readiness.shuttingDown).toBe(true);
    expect(process.listenerCount('SIGINT')).toBe(sigintListeners);
  });
});
