/**
 * Where a V8 CPU profile (node --cpu-prof, or BENCH_PROFILE=1 npx tsx bench/run.ts) spent its
 * time: self time and total (inclusive) time per function, top first.
 *
 *     npx tsx bench/profile-summary.ts bench/profiles/<file>.cpuprofile [top=25] [filter]
 *
 * `filter` keeps only functions whose file path contains it (e.g. `src/` for the project's own).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface FunctionTime {
  readonly name: string;
  readonly selfMs: number;
  readonly totalMs: number;
}

const label = (n: ProfileNode): string => {
  const url = n.callFrame.url.replace(/^file:\/\//, '').replace(process.cwd() + '/', '');
  return `${n.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${String(n.callFrame.lineNumber + 1)}` : ''}`.trim();
};

export function summarise(profile: CpuProfile): { totalMs: number; functions: FunctionTime[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => { selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)); });

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    self.set(label(node), (self.get(label(node)) ?? 0) + us);
    // Inclusive time: once per distinct function on the stack (recursion counted once).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (!n) break;
      const l = label(n);
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + us);
    }
  }
  const functions = [...total.keys()].map((name) => ({ name, selfMs: (self.get(name) ?? 0) / 1000, totalMs: (total.get(name) ?? 0) / 1000 }));
  return { totalMs: (profile.endTime - profile.startTime) / 1000, functions };
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const [file, topArg, filter] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top] [filter]');
  const top = Number(topArg ?? 25);
  const { totalMs, functions } = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const keep = (f: FunctionTime): boolean => filter === undefined || f.name.includes(filter);
  const print = (title: string, key: 'selfMs' | 'totalMs'): void => {
    console.log(`\n${title} (profile ${totalMs.toFixed(0)} ms)`);
    for (const f of functions.filter(keep).sort((a, b) => b[key] - a[key]).slice(0, top)) {
      console.log(`  ${f[key].toFixed(0).padStart(7)} ms ${((100 * f[key]) / totalMs).toFixed(1).padStart(5)} %  ${f.name}`);
    }
  };
  print('self time', 'selfMs');
  print('total time', 'totalMs');
}
