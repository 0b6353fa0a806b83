/**
 * vitest globalSetup: builds dist/console with the project's Vite config, once before any test
 * file runs, when it is missing or older than console/ or examples/ (the console tests serve it).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(ROOT, 'dist', 'console');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return t;
}

/** Builds dist/console with the project's Vite config when it is missing or older than console/ or examples/. */
async function ensureConsoleBuilt(): Promise<void> {
  const index = join(DIST, 'index.html');
  // examples/ too: the console bundles them.
  const sources = Math.max(newest(join(ROOT, 'console')), newest(join(ROOT, 'examples')));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'console', 'vite.config.ts'), logLevel: 'error' });
}

export default async function setup(): Promise<void> {
  await ensureConsoleBuilt();
}
