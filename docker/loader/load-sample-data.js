// Loads the synthetic patients of docker/sample-data/ into a FHIR R4 server (docker/compose.yaml).
// Each file is a transaction Bundle whose entries are PUTs with fixed ids, so loading twice
// leaves the server as loading once. Waits for the server first (HAPI needs a minute or two to
// boot, and its distroless image has no shell for a compose healthcheck).
//
//   FHIR_BASE_URL=http://localhost:8080/fhir SAMPLE_DATA_DIR=docker/sample-data node docker/loader/load-sample-data.js
//
// Exit 0 when every Bundle was accepted; 1 otherwise (the failing file and the server's answer are printed).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const base = (process.env.FHIR_BASE_URL ?? 'http://hapi:8080/fhir').replace(/\/+$/, '');
const dir = process.env.SAMPLE_DATA_DIR ?? '/sample-data';
const waitMs = Number(process.env.LOADER_WAIT_MS ?? 300_000);
const pollMs = Number(process.env.LOADER_POLL_MS ?? 3_000);
const requestTimeoutMs = Number(process.env.LOADER_REQUEST_TIMEOUT_MS ?? 60_000);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForServer() {
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      const res = await fetch(`${base}/metadata`, {
        headers: { accept: 'application/fhir+json' },
        signal: AbortSignal.timeout(Math.min(10_000, requestTimeoutMs)),
      });
      if (res.ok) {
        const statement = await res.json();
        if (statement.resourceType === 'CapabilityStatement') {
          console.log(`FHIR server ready at ${base} (FHIR ${statement.fhirVersion ?? '?'}, attempt ${attempt})`);
          return;
        }
      }
      console.log(`waiting for ${base}/metadata: HTTP ${res.status}`);
    } catch (err) {
      console.log(`waiting for ${base}/metadata: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (Date.now() + pollMs > deadline) throw new Error(`FHIR server not ready after ${waitMs} ms`);
    await sleep(pollMs);
  }
}

async function postBundle(file) {
  const body = await readFile(join(dir, file), 'utf8');
  const bundle = JSON.parse(body);
  if (bundle.resourceType !== 'Bundle' || bundle.type !== 'transaction') throw new Error(`${file}: not a transaction Bundle`);
  // A transaction is all-or-nothing, so a retry after a 5xx or a dropped connection is safe.
  for (let attempt = 1; ; attempt += 1) {
    let outcome;
    try {
      const res = await fetch(base, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
        body,
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      const text = await res.text();
      if (res.ok) {
        const answer = JSON.parse(text);
        const statuses = (answer.entry ?? []).map((e) => e.response?.status ?? '?');
        console.log(`${file}: ${bundle.entry.length} resources -> HTTP ${res.status} [${statuses.join(', ')}]`);
        return;
      }
      if (res.status < 500) throw new Error(`${file}: HTTP ${res.status}: ${text.slice(0, 2000)}`);
      outcome = `HTTP ${res.status}`;
    } catch (err) {
      if (err instanceof Error && err.message.startsWith(`${file}:`)) throw err;
      outcome = err instanceof Error ? err.message : String(err);
    }
    if (attempt >= 3) throw new Error(`${file}: failed 3 times, last: ${outcome}`);
    console.log(`${file}: ${outcome}, retrying`);
    await sleep(pollMs);
  }
}

try {
  await waitForServer();
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) throw new Error(`no *.json in ${dir}`);
  for (const file of files) await postBundle(file);
  console.log(`loaded ${files.length} bundles into ${base}`);
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
}
