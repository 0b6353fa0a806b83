/**
 * Production-mode smoke test (issue 6, item 5): what the container runs, without the container.
 * The Docker build replayed by hand: the build context as .dockerignore filters it, compiled there
 * (a source that needs a file left out of the context fails here, as in `docker build`); the
 * compiled code, package.json, the lockfile and rules/ in a fresh folder; `npm ci --omit=dev`
 * there (so a runtime import of a dev dependency fails here, as it would in the image); then
 * `node dist/server.js` with NODE_ENV=production, as the Dockerfile's CMD does.
 *
 * It checks: the service becomes ready; answers discovery, a hook call and /metrics; on SIGTERM
 * in the middle of a slow hook call (its FHIR server answers after ~1 s) that call still gets its
 * cards, /readyz never says ready again, and the process exits 0; and it wrote no file anywhere
 * (the image runs on a read-only root filesystem).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ROOT, dockerIgnores, dockerignorePatterns, repoPath } from './support.js';

const SERVER_SOURCE = repoPath('src/server.ts');
const EXAMPLE = repoPath('examples/patient-view.json');
const SAMPLE_DIR = repoPath('docker/sample-data');
const DOCS = repoPath('docs/deployment.md');
const FHIR_DELAY_MS = 1000;

// ── a slow FHIR server on 127.0.0.1, answering from the sample Bundles ─────────────────────

interface SlowFhir {
  readonly base: string;
  readonly requests: string[];
  /** Resolves when the first request arrives (the hook call is then in flight). */
  readonly firstRequest: Promise<void>;
  readonly close: () => Promise<void>;
}

async function startSlowFhir(): Promise<SlowFhir> {
  const SampleBundle = z.object({
    entry: z.array(
      z.object({
        resource: z.looseObject({ resourceType: z.string(), id: z.string(), subject: z.object({ reference: z.string() }).optional() }),
      }),
    ),
  });
  const resources = readdirSync(SAMPLE_DIR)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => SampleBundle.parse(JSON.parse(readFileSync(join(SAMPLE_DIR, f), 'utf8'))).entry.map((e) => e.resource));
  const requests: string[] = [];
  let markFirst: () => void = () => undefined;
  const firstRequest = new Promise<void>((resolve) => (markFirst = resolve));
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    markFirst();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.replace(/^\/fhir\/?/, '');
    const [type, id] = path.split('/');
    let status = 200;
    let body: unknown;
    if (id !== undefined) {
      body = resources.find((r) => r.resourceType === type && r.id === id);
      if (body === undefined) {
        status = 404;
        body = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] };
      }
    } else {
      // Type?patient=id: the resources of that type about that patient (what the prefetch templates ask)
      const patient = url.searchParams.get('patient');
      const matches = resources.filter((r) => r.resourceType === type && r.subject?.reference === `Patient/${patient ?? ''}`);
      body = {
        resourceType: 'Bundle',
        type: 'searchset',
        total: matches.length,
        link: [{ relation: 'self', url: `http://127.0.0.1${req.url ?? ''}` }],
        entry: matches.map((r) => ({ fullUrl: `${type ?? ''}/${r.id}`, resource: r, search: { mode: 'match' } })),
      };
    }
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify(body));
    }, FHIR_DELAY_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}/fhir`,
    requests,
    firstRequest,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => { resolve(); });
      }),
  };
}

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => { resolve(); }));
  return port;
}

/**
 * A GET /readyz whose request line goes out now and whose end of headers goes out when `finish` is
 * called: the connection is busy (not idle) meanwhile, so a draining server keeps it and answers.
 * Resolves with the status code of the answer.
 */
function splitReadyz(port: number): { finish: () => void; status: Promise<number> } {
  const socket = connect(port, '127.0.0.1');
  socket.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  let received = '';
  const status = new Promise<number>((resolve, reject) => {
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (m) {
        resolve(Number(m[1]));
        socket.destroy();
      }
    });
    socket.on('error', reject);
    socket.on('close', () => {
      reject(new Error(`connection closed before an answer: ${JSON.stringify(received)}`));
    });
  });
  status.catch(() => undefined); // reported where it is awaited, not as an unhandled rejection meanwhile
  return {
    finish: () => {
      socket.write('Connection: close\r\n\r\n');
    },
    status,
  };
}

/** Every file below `dir` with its size and mtime: what a write anywhere would change. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = join(e.parentPath, e.name);
    const st = statSync(full, { throwIfNoEntry: false });
    if (st && !e.isDirectory()) out.set(relative(dir, full), `${st.size}:${st.mtimeMs}`);
  }
  return out;
}

const CardsSchema = z.object({ cards: z.array(z.looseObject({ summary: z.string(), indicator: z.string() })) });

function hookRequest(fhirServer: string, patientId: string): Record<string, unknown> {
  return {
    hook: 'patient-view',
    hookInstance: randomUUID(),
    fhirServer,
    fhirAuthorization: { access_token: 'smoke-test-token', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'onfh-cds' },
    context: { userId: 'Practitioner/smoke-test', patientId },
  };
}

// ── the test ───────────────────────────────────────────────────────────────────────────────

describe.skipIf(!existsSync(SERVER_SOURCE))('production mode: node dist/server.js from a production install', () => {
  let work = '';
  let app = '';
  let home = '';
  let tmp = '';
  let fhir: SlowFhir;
  let child: ChildProcess | undefined;
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let output = '';
  let base = '';
  let before = new Map<string, string>();

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'onfh-smoke-'));
    app = join(work, 'app');
    home = join(work, 'home');
    tmp = join(work, 'tmp');
    for (const d of [app, home, tmp]) mkdirSync(d);

    // The Docker build context: only what .dockerignore lets through (node_modules is what
    // `npm ci` makes from the same lockfile in the build stage, so the installed one stands in).
    const context = join(work, 'context');
    const patterns = dockerignorePatterns(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
    const walk = (dir: string): void => {
      for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
        const rel = dir === '' ? e.name : `${dir}/${e.name}`;
        if (e.isDirectory() && rel !== 'node_modules' && rel !== '.git') walk(rel);
        if (!e.isFile() || dockerIgnores(patterns, rel)) continue;
        mkdirSync(join(context, dirname(rel)), { recursive: true });
        cpSync(join(ROOT, rel), join(context, rel));
      }
    };
    walk('');
    symlinkSync(join(ROOT, 'node_modules'), join(context, 'node_modules'), 'dir');

    // Build stage: `npm run build` in the context, into the fresh folder (not the shared dist/).
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(app, 'dist')], {
      cwd: context,
      encoding: 'utf8',
      timeout: 180_000,
    });
    expect(tsc.status, `tsc -p tsconfig.build.json in the build context:\n${tsc.stdout}${tsc.stderr}`).toBe(0);

    // Runtime stage: package*.json and rules/ from the context, then a production install.
    for (const f of ['package.json', 'package-lock.json']) cpSync(join(context, f), join(app, f));
    cpSync(join(context, 'rules'), join(app, 'rules'), { recursive: true });
    const npm = spawnSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: app,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, NODE_ENV: 'production' },
    });
    expect(npm.status, `npm ci --omit=dev:\n${npm.stdout}${npm.stderr}`).toBe(0);
    expect(existsSync(join(app, 'node_modules/typescript')), 'dev dependencies left out').toBe(false);

    fhir = await startSlowFhir();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    before = snapshot(app);

    child = spawn(process.execPath, ['--enable-source-maps', 'dist/server.js'], {
      cwd: app,
      // Only what the container sets: nothing inherited from the test runner (vitest sets NODE_ENV=test).
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        TMPDIR: tmp,
        NODE_ENV: 'production',
        AUTH_MODE: 'none',
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'info',
        FHIR_SERVER_ALLOWLIST: fhir.base,
        FHIR_TIMEOUT_MS: '15000',
        SHUTDOWN_TIMEOUT_MS: '10000',
        PSEUDONYM_KEY: 'production-smoke-pseudonym-key-0123456789',
        // No PostgreSQL answers here: the service must serve regardless (and so writes no DATA_DIR).
        DATABASE_URL: 'postgres://onfh@127.0.0.1:1/onfh',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const proc = child;
    exited = new Promise((resolve) => proc.on('exit', (code, signal) => { resolve({ code, signal }); }));

    // ready within 20 s
    const deadline = Date.now() + 20_000;
    for (;;) {
      const status = await fetch(`${base}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`not ready (last /readyz: ${status}):\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 300_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await fhir.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('is live and ready, and lists the three CDS services', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const discovery = z
      .object({ services: z.array(z.looseObject({ id: z.string(), hook: z.string() })) })
      .parse(await (await fetch(`${base}/cds-services`)).json());
    expect(discovery.services.map((s) => s.id).sort()).toEqual(['onfh-order-select', 'onfh-order-sign', 'onfh-patient-view']);
  });

  it.skipIf(!existsSync(EXAMPLE))('answers examples/patient-view.json with cards', async () => {
    const res = await fetch(`${base}/cds-services/onfh-patient-view`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: readFileSync(EXAMPLE, 'utf8'),
    });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    CardsSchema.parse(JSON.parse(text));
  });

  it('answers the curl call of docs/deployment.md, fetching everything from the FHIR server', async () => {
    const docs = readFileSync(DOCS, 'utf8');
    const m = /curl -s -X POST http:\/\/localhost:3000(\/cds-services\/[\w-]+) \\\n\s+-H 'content-type: application\/json' \\\n\s+-d '([^']+)'/.exec(docs);
    expect(m, 'the hook curl call in docs/deployment.md').not.toBeNull();
    const body = JSON.parse(m?.[2] ?? '') as Record<string, unknown>;
    expect(body.prefetch).toBeUndefined();
    const requestsBefore = fhir.requests.length;
    const res = await fetch(`${base}${m?.[1] ?? ''}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, fhirServer: fhir.base }), // compose's HAPI → the stand-in
    });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    // an ONFH patient: the clinical engine has something to say
    expect(CardsSchema.parse(JSON.parse(text)).cards.length, text).toBeGreaterThan(0);
    const asked = fhir.requests.slice(requestsBefore);
    const patientId = (body.context as { patientId: string }).patientId;
    for (const type of ['Condition', 'Observation', 'ImagingStudy']) {
      expect(asked.some((r) => r.startsWith(`GET /fhir/${type}?`) && r.includes(`patient=${patientId}`)), `${type} fetched`).toBe(true);
    }
  });

  it('stays silent about an out-of-scope patient fetched from the FHIR server', async () => {
    const res = await fetch(`${base}/cds-services/onfh-patient-view`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(hookRequest(fhir.base, 'oos-01')),
    });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(JSON.parse(text)).toEqual({ cards: [] });
  });

  it('serves Prometheus metrics that count the requests, FHIR fetches and cards so far', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^onfh_http_requests_total\{method="GET",route="\/readyz",service="",status_code="200"\} [1-9]/m);
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toMatch(/^onfh_http_requests_total\{method="POST",route="\/cds-services\/:id",service="onfh-patient-view",status_code="200"\} [1-9]/m);
    expect(text).toMatch(/^onfh_fhir_fetch_duration_seconds_count\{resource_type="Condition",outcome="ok"\} [1-9]/m);
    expect(text).toMatch(/^onfh_cds_cards_total\{service="onfh-patient-view",indicator="\w+"\} [1-9]/m);
    expect(text).toMatch(/^onfh_rule_set_info\{rule_set="arco-2019",version="\d{4}\.\d+\.\d+"\} 1$/m);
  });

  it('on SIGTERM, finishes the in-flight hook call, stops reporting ready, and exits 0', async () => {
    const proc = child;
    if (!proc) throw new Error('no server process');
    const requestsBefore = fhir.requests.length;
    const started = Date.now();
    const inflight = fetch(`${base}/cds-services/onfh-patient-view`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(hookRequest(fhir.base, 'onfh-01')),
    }).then(async (r) => ({ status: r.status, body: await r.text(), at: Date.now() }));

    // The service has asked the FHIR server (answers come after ~1 s): the call is in flight.
    await fhir.firstRequest;
    const port = Number(new URL(base).port);
    const lateReadyz = splitReadyz(port);
    await new Promise((r) => setTimeout(r, 50));
    expect(fhir.requests.length).toBeGreaterThan(requestsBefore);
    proc.kill('SIGTERM');
    const signalledAt = Date.now();

    // While draining, /readyz must never say ready: 503 on a connection opened before SIGTERM,
    // and 503 or no new connection accepted at all after it.
    await new Promise((r) => setTimeout(r, 100));
    lateReadyz.finish();
    expect(await lateReadyz.status).toBe(503);
    const readyDuringDrain: (number | 'refused')[] = [];
    const drain = { settled: false };
    void inflight.finally(() => {
      drain.settled = true;
    });
    while (!drain.settled && Date.now() - signalledAt < 5000) {
      readyDuringDrain.push(
        await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(500) }).then(
          (r) => r.status,
          () => 'refused' as const,
        ),
      );
      await new Promise((r) => setTimeout(r, 50));
    }

    const answer = await inflight;
    expect(answer.status, `${answer.body}\n${output}`).toBe(200);
    expect(CardsSchema.parse(JSON.parse(answer.body)).cards.length).toBeGreaterThan(0);
    expect(answer.at - started).toBeGreaterThanOrEqual(FHIR_DELAY_MS - 50); // it really waited for the FHIR server

    const exit = await exited;
    expect(exit, output).toEqual({ code: 0, signal: null });
    expect(readyDuringDrain.length).toBeGreaterThan(0);
    expect(readyDuringDrain.filter((s) => s !== 503 && s !== 'refused'), `readyz during drain: ${readyDuringDrain.join(',')}`).toEqual([]);
    // the hook call was fetched from the FHIR server, every prefetch key that had no value
    expect(fhir.requests.slice(requestsBefore).some((r) => r.startsWith('GET /fhir/Condition?'))).toBe(true);
  });

  it.skipIf(!existsSync(repoPath('src/cli.ts')))('runs the command line from the production install: rules validate, assess', () => {
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['dist/cli.js', ...args], {
        cwd: app,
        encoding: 'utf8',
        timeout: 60_000,
        env: { PATH: process.env.PATH ?? '', HOME: home, TMPDIR: tmp, NODE_ENV: 'production' },
      });
    const validate = run(['rules', 'validate', '--rules', join(app, 'rules')]);
    expect(validate.status, validate.stdout + validate.stderr).toBe(0);
    const assess = run(['assess', join(SAMPLE_DIR, '02-onfh-left-arco2-steroid.json'), '--now', '2026-11-21']);
    expect(assess.status, assess.stderr).toBe(0);
    const assessment = z
      .object({ patientId: z.string(), inScope: z.boolean(), hips: z.array(z.looseObject({ side: z.string(), stage: z.looseObject({ arco: z.string().nullable() }) })) })
      .parse(JSON.parse(assess.stdout));
    expect(assessment).toMatchObject({ patientId: 'onfh-02', inScope: true });
    expect(assessment.hips.map((h) => [h.side, h.stage.arco])).toEqual([['left', '2']]);
  });

  it('wrote nothing: not in its own folder, not in HOME, not in TMPDIR (read-only root filesystem)', async () => {
    await exited;
    const after = snapshot(app);
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k));
    expect(changed).toEqual([]);
    expect(readdirSync(home)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
