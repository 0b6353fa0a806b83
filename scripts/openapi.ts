/**
 * Writes the OpenAPI document of the service to openapi/openapi.json (committed; a test fails
 * when it drifts from the code). `--check` only compares, exiting 1 on drift (for CI).
 *
 *   npm run openapi            # regenerate
 *   npm run openapi -- --check # compare
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.js';
import { testConfig } from '../src/config.js';

export const OPENAPI_FILE = fileURLToPath(new URL('../openapi/openapi.json', import.meta.url));

/** The document as committed: built from a default-configured app, 2-space JSON, final newline. */
export async function renderOpenApi(): Promise<string> {
  const app = await buildApp(testConfig());
  await app.ready();
  const text = `${JSON.stringify(app.swagger(), null, 2)}\n`;
  await app.close();
  return text;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = await renderOpenApi();
  if (process.argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(OPENAPI_FILE, 'utf8');
    } catch {
      // missing file: drift
    }
    if (committed !== text) {
      process.stderr.write('openapi/openapi.json is out of date: run `npm run openapi`\n');
      process.exit(1);
    }
  } else {
    writeFileSync(OPENAPI_FILE, text);
    process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
  }
}
