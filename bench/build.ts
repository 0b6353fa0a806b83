/**
 * The benchmark measures the code as production runs it: JavaScript emitted by the TypeScript
 * compiler (`npm run build` → `node dist/server.js`), not tsx's on-the-fly transform (which wraps
 * every function in a `__name` helper and loads modules through a worker thread).
 *
 * This emits src/, bench/ and the test servers the benchmark uses with the TypeScript compiler's
 * own emitter (ts.transpileModule: the same JavaScript as tsc, without the type check, so in a
 * second or two) into a temporary folder, with package.json, rules/ and node_modules/ linked in.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FOLDERS = ['src', 'bench', 'test/support', 'test/robustness/support'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Builds into a new temporary folder and returns it; `cleanup` removes it. */
export function buildForBench(): { readonly dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'onfh-bench-'));
  const compilerOptions: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    verbatimModuleSyntax: true,
    sourceMap: false,
  };
  for (const folder of FOLDERS) {
    for (const file of tsFiles(join(ROOT, folder))) {
      const out = join(dir, relative(ROOT, file)).replace(/\.ts$/, '.js');
      const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions, fileName: file });
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, outputText);
    }
  }
  for (const link of ['package.json', 'rules', 'node_modules']) symlinkSync(join(ROOT, link), join(dir, link));
  return { dir, cleanup: () => { rmSync(dir, { recursive: true, force: true }); } };
}
