/**
 * The container image recipe (issue 6, item 1), checked as text: there is no Docker engine in CI.
 * What a build would do wrong is what these tests look for: a floating base image, a root user,
 * dev dependencies or sources in the runtime stage, `npm start` (which rebuilds), no health check.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  dockerIgnores,
  dockerignorePatterns,
  expandArgs,
  parseDockerfile,
  readRepoFile,
  repoPath,
  type Instruction,
} from './support.js';

const { instructions, args } = parseDockerfile(readRepoFile('Dockerfile'));
const froms = instructions.filter((i) => i.keyword === 'FROM');
const lastStage = froms.length - 1;
const inStage = (stage: number, keyword: string): Instruction[] =>
  instructions.filter((i) => i.stage === stage && i.keyword === keyword);
const runtime = (keyword: string): Instruction[] => inStage(lastStage, keyword);

/** A Node 24 LTS slim image by exact version tag; a site adds the digest (Dockerfile, docs/deployment.md). */
const PINNED_NODE_24_SLIM = /^node:24\.\d+\.\d+-(bookworm-)?slim(@sha256:[0-9a-f]{64})?$/;

describe('Dockerfile', () => {
  it('is multi-stage: a build stage and a runtime stage, both on a pinned node 24 slim base', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const stageNames: string[] = [];
    for (const from of froms) {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(from.args);
      expect(m, `FROM ${from.args}`).not.toBeNull();
      const image = expandArgs(m?.[1] ?? '', args);
      if (!stageNames.includes(image)) expect(image, `FROM ${from.args}`).toMatch(PINNED_NODE_24_SLIM);
      expect(image).not.toMatch(/:latest\b/);
      if (m?.[2]) stageNames.push(m[2]);
    }
    expect(stageNames).toContain('build');
  });

  it('installs every dependency and compiles in the build stage', () => {
    const buildStage = froms.findIndex((f) => /\s+AS\s+build$/i.test(f.args));
    const runs = inStage(buildStage, 'RUN').map((r) => r.args);
    expect(runs.some((r) => /\bnpm ci\b/.test(r) && !r.includes('--omit=dev'))).toBe(true);
    expect(runs.some((r) => /\bnpm run build\b/.test(r))).toBe(true);
  });

  it('ships only production dependencies, the compiled code, the rules and package.json in the runtime stage', () => {
    const runs = runtime('RUN').map((r) => r.args);
    expect(runs.some((r) => /\bnpm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm (install|i)\b/.test(r))).toBe(false);

    const copies = runtime('COPY').map((c) => c.args.replace(/--chown=\S+\s+/, ''));
    const sources = copies.flatMap((c) => {
      const parts = c.split(/\s+/);
      return parts.slice(parts[0]?.startsWith('--from=') ? 1 : 0, -1).map((p) => (parts[0]?.startsWith('--from=') ? `${parts[0]} ${p}` : p));
    });
    expect(sources.sort()).toEqual(['--from=build /app/dist', 'package-lock.json', 'package.json', 'rules'].sort());
    expect(instructions.some((i) => i.keyword === 'ADD')).toBe(false);
  });

  it('runs in production mode, with the bundled rules at /app/rules unless RULES_DIR says otherwise', () => {
    const env = runtime('ENV').map((e) => e.args).join(' ');
    expect(env).toMatch(/\bNODE_ENV=production\b/);
    expect(env).toMatch(/\bRULES_DIR=\/app\/rules\b/);
    expect(runtime('WORKDIR').at(-1)?.args).toBe('/app');
  });

  it('runs as a numeric non-root user (so Kubernetes runAsNonRoot can verify it)', () => {
    const user = runtime('USER').at(-1)?.args;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user?.split(':')[0])).toBeGreaterThan(0);
    // nothing runs as root after the switch
    const userIndex = instructions.findIndex((i) => i.stage === lastStage && i.keyword === 'USER');
    expect(instructions.slice(userIndex).some((i) => i.keyword === 'RUN')).toBe(false);
  });

  it('checks its health on /healthz with node (no curl in slim images) and exposes 3000', () => {
    const healthcheck = runtime('HEALTHCHECK').at(-1)?.args ?? '';
    expect(healthcheck).toMatch(/CMD \["node", "-e"/);
    expect(healthcheck).toContain('/healthz');
    expect(healthcheck).toContain('fetch(');
    expect(healthcheck).not.toMatch(/\b(curl|wget)\b/);
    expect(runtime('EXPOSE').map((e) => e.args)).toContain('3000');
  });

  it('starts node dist/server.js directly, never npm start (its prestart would rebuild)', () => {
    const cmd = runtime('CMD').at(-1)?.args ?? '';
    const argv = JSON.parse(cmd) as string[]; // exec form: node is PID 1's child of --init, and gets SIGTERM
    expect(argv[0]).toBe('node');
    expect(argv.at(-1)).toBe('dist/server.js');
    expect(runtime('ENTRYPOINT')).toEqual([]);
    const all = instructions.map((i) => i.args).join('\n');
    expect(all).not.toMatch(/\bnpm (start|run start)\b/);
  });

  it('copies only what .dockerignore lets into the build context', () => {
    const patterns = dockerignorePatterns(readRepoFile('.dockerignore'));
    const contextSources = instructions
      .filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))
      .flatMap((c) => c.args.replace(/--chown=\S+\s+/, '').split(/\s+/).slice(0, -1));
    expect(contextSources.length).toBeGreaterThan(0);
    for (const source of contextSources) {
      expect(existsSync(repoPath(source)), source).toBe(true);
      expect(dockerIgnores(patterns, source), `${source} is in .dockerignore`).toBe(false);
    }
  });
});

describe('.dockerignore', () => {
  const patterns = dockerignorePatterns(readRepoFile('.dockerignore'));

  it.each([
    '.git/HEAD',
    'node_modules/fastify/package.json',
    'src/node_modules/x/index.js',
    'dist/server.js',
    'test/deploy/container.test.ts',
    'src/metrics/index.test.ts',
    'coverage/lcov.info',
    'bench/results.json',
    '.env',
    '.env.local',
    'rules/.env',
    'tls/server.pem',
    'src/dev-key.pem',
    'client.key',
    'docs/deployment.md',
    'docker/compose.yaml',
    '.vitest/results.json',
  ])('keeps %s out of the build context', (path) => {
    expect(dockerIgnores(patterns, path)).toBe(true);
  });

  it.each(['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src/server.ts', 'src/metrics/index.ts', 'rules/staging/arco-2019.json'])(
    'sends %s',
    (path) => {
      expect(dockerIgnores(patterns, path)).toBe(false);
    },
  );
});
