/**
 * docker/compose.yaml and docker/k8s/ (issue 6, items 3 and 4), checked without an engine or a
 * cluster: they parse, name pinned images, and carry the probes, limits and security settings a
 * hospital platform team will look for. The environment they set goes through the real config
 * schema, so a typo in a variable name or value fails here rather than at 3 a.m.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BUNDLED_RULES_DIR, loadConfig } from '../../src/config.js';
import { parseDockerfile, readRepoFile, repoPath, yamlDocuments, ROOT } from './support.js';

const NODE_DIGEST_PINNED = /^node:24\.\d+\.\d+-(bookworm-)?slim(@sha256:[0-9a-f]{64})?$/;
const dockerfileNodeImage = parseDockerfile(readRepoFile('Dockerfile')).args.NODE_IMAGE;

/** An image reference with an explicit tag (not latest) or a digest. */
function expectPinned(image: string | undefined): void {
  expect(image).toBeDefined();
  expect(image).not.toMatch(/:latest(@|$)/);
  expect(image).toMatch(/(:[\w][\w.-]{0,127}(@sha256:[0-9a-f]{64})?|@sha256:[0-9a-f]{64})$/);
}

// ── compose ───────────────────────────────────────────────────────────────────────────────

const EnvSchema = z.union([
  z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)),
  z.array(z.string()).transform((l) => Object.fromEntries(l.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))),
]);
const ComposeServiceSchema = z.looseObject({
  image: z.string().optional(),
  build: z.looseObject({ context: z.string(), dockerfile: z.string().optional() }).optional(),
  command: z.array(z.string()).optional(),
  environment: EnvSchema.optional(),
  volumes: z.array(z.string()).optional(),
  ports: z.array(z.string()).optional(),
  network_mode: z.string().optional(),
  read_only: z.boolean().optional(),
  tmpfs: z.array(z.string()).optional(),
  user: z.string().optional(),
  stop_grace_period: z.string().optional(),
  restart: z.string().optional(),
  depends_on: z.record(z.string(), z.looseObject({ condition: z.string() })).optional(),
});
const ComposeSchema = z.looseObject({ services: z.record(z.string(), ComposeServiceSchema) });

const compose = ComposeSchema.parse(parseYaml(readRepoFile('docker/compose.yaml')));
const svc = (name: string) => {
  const s = compose.services[name];
  if (!s) throw new Error(`compose has no service ${name}`);
  return s;
};

function seconds(duration: string | undefined): number {
  const m = /^(\d+)(ms|s|m)$/.exec(duration ?? '');
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 'm' ? n * 60 : n;
}

describe('docker/compose.yaml', () => {
  it('has the service, a HAPI FHIR server, a one-shot sample-data loader and the PostgreSQL of the decision store', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['hapi', 'load-sample-data', 'onfh-cds', 'postgres']);
    const config = loadConfig(svc('onfh-cds').environment ?? {});
    expect(config.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
    expect(svc('onfh-cds').depends_on?.postgres?.condition).toBe('service_healthy');
  });

  it('pins every image: HAPI by release tag, the loader on the Dockerfile base image (exact tag; the site adds the digest)', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      if (s.image !== undefined || s.build === undefined) expectPinned(s.image);
      expect(s.image ?? '', name).not.toMatch(/latest/);
    }
    expect(svc('hapi').image).toMatch(/^hapiproject\/hapi:v\d+\.\d+\.\d+(-\d+)?$/);
    expect(svc('load-sample-data').image).toMatch(NODE_DIGEST_PINNED);
    expect(svc('load-sample-data').image).toBe(dockerfileNodeImage);
  });

  it('builds the service from the repository Dockerfile and runs it read-only with a tmpfs /tmp', () => {
    const s = svc('onfh-cds');
    expect(s.build?.context).toBe('..');
    expect(existsSync(join(repoPath('docker'), s.build?.context ?? '', s.build?.dockerfile ?? 'Dockerfile'))).toBe(true);
    expect(s.read_only).toBe(true);
    expect(s.tmpfs?.some((t) => t.split(':')[0] === '/tmp')).toBe(true);
  });

  it("publishes the service's port 3000 on the host's loopback (through HAPI's network, which it shares)", () => {
    const s = svc('onfh-cds');
    const owner = s.network_mode?.startsWith('service:') ? svc(s.network_mode.slice('service:'.length)) : s;
    expect(owner.ports?.map((p) => p.replace(/\s*#.*$/, ''))).toContain('127.0.0.1:3000:3000');
    if (s.network_mode !== undefined) expect(s.ports).toBeUndefined(); // compose refuses ports with network_mode
  });

  it("sets an environment the service's config schema accepts: production, no JWTs, HAPI allowed", () => {
    const env = svc('onfh-cds').environment ?? {};
    const config = loadConfig(env);
    expect(config.NODE_ENV).toBe('production');
    expect(config.AUTH_MODE).toBe('none');
    // HAPI is loopback to the service (shared network namespace): the one FHIR server allowed
    expect(svc('onfh-cds').network_mode).toBe('service:hapi');
    expect(config.FHIR_SERVER_ALLOWLIST).toEqual(['http://localhost:8080/fhir']);
    // docker stop waits stop_grace_period before SIGKILL: longer than the drain
    expect(seconds(svc('onfh-cds').stop_grace_period) * 1000).toBeGreaterThan(config.SHUTDOWN_TIMEOUT_MS);
  });

  it('loads the sample Bundles from docker/sample-data into HAPI with the loader script, once', () => {
    const loader = svc('load-sample-data');
    const env = loader.environment ?? {};
    expect(env.FHIR_BASE_URL).toBe('http://hapi:8080/fhir');
    expect(loader.restart).toBe('no');
    expect(loader.depends_on?.hapi).toBeDefined();
    const mounts = new Map((loader.volumes ?? []).map((v) => [v.split(':')[1] ?? '', v.split(':')[0] ?? '']));
    expect(mounts.get(env.SAMPLE_DATA_DIR ?? '')).toBe('./sample-data');
    const script = loader.command?.at(-1) ?? '';
    const scriptMount = [...mounts.entries()].find(([target]) => script.startsWith(`${target}/`));
    expect(scriptMount, `a volume holding ${script}`).toBeDefined();
    const hostPath = join(repoPath('docker'), scriptMount?.[1] ?? '', script.slice((scriptMount?.[0] ?? '').length));
    expect(existsSync(hostPath), hostPath).toBe(true);
  });
});

const guardModule = repoPath('src/auth/fhir-guard.ts');
describe.skipIf(!existsSync(guardModule))('docker/compose.yaml and the FHIR server guard', () => {
  it('lets a hook call name HAPI as its fhirServer, and nothing else', async () => {
    const config = loadConfig(svc('onfh-cds').environment ?? {});
    const modulePath = '../../src/auth/fhir-guard.js';
    const { fhirServerRefusal } = (await import(modulePath)) as {
      fhirServerRefusal: (request: unknown, fhirServer: string, config: ReturnType<typeof loadConfig>) => string | null;
    };
    const request = {}; // AUTH_MODE=none: the guard does not look at the caller
    expect(fhirServerRefusal(request, 'http://localhost:8080/fhir', config)).toBeNull();
    expect(fhirServerRefusal(request, 'http://hapi:8080/fhir', config)).not.toBeNull(); // plain http off the loopback
    expect(fhirServerRefusal(request, 'http://localhost:9999/fhir', config)).not.toBeNull(); // not listed
  });

  it('is the fhirServer of the curl call in docs/deployment.md', () => {
    const docs = readRepoFile('docs/deployment.md');
    const servers = [...docs.matchAll(/"fhirServer":\s*"([^"]+)"/g)].map((m) => m[1]);
    expect(servers.length).toBeGreaterThan(0);
    for (const s of servers) expect(loadConfig(svc('onfh-cds').environment ?? {}).FHIR_SERVER_ALLOWLIST).toContain(s);
  });
});

// ── k8s ───────────────────────────────────────────────────────────────────────────────────

const ProbeSchema = z.looseObject({ httpGet: z.looseObject({ path: z.string(), port: z.union([z.string(), z.number()]) }) });
const ContainerSchema = z.looseObject({
  name: z.string(),
  image: z.string(),
  ports: z.array(z.looseObject({ name: z.string().optional(), containerPort: z.number() })),
  env: z.array(z.looseObject({ name: z.string(), value: z.string().optional() })),
  resources: z.object({
    requests: z.object({ cpu: z.string(), memory: z.string() }),
    limits: z.object({ cpu: z.string(), memory: z.string() }),
  }),
  securityContext: z.looseObject({
    allowPrivilegeEscalation: z.literal(false),
    readOnlyRootFilesystem: z.literal(true),
    capabilities: z.looseObject({ drop: z.array(z.string()) }),
  }),
  livenessProbe: ProbeSchema,
  readinessProbe: ProbeSchema,
  startupProbe: ProbeSchema.optional(),
  lifecycle: z.looseObject({ preStop: z.looseObject({ exec: z.looseObject({ command: z.array(z.string()) }) }) }).optional(),
  volumeMounts: z.array(z.looseObject({ name: z.string(), mountPath: z.string(), readOnly: z.boolean().optional() })),
});
const LabelsSchema = z.record(z.string(), z.string());
const DeploymentSchema = z.looseObject({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('Deployment'),
  metadata: z.looseObject({ name: z.string() }),
  spec: z.looseObject({
    replicas: z.number(),
    selector: z.looseObject({ matchLabels: LabelsSchema }),
    template: z.looseObject({
      metadata: z.looseObject({ labels: LabelsSchema }),
      spec: z.looseObject({
        terminationGracePeriodSeconds: z.number(),
        securityContext: z.looseObject({ runAsNonRoot: z.literal(true), runAsUser: z.number().optional() }),
        containers: z.array(ContainerSchema).length(1),
        volumes: z.array(
          z.looseObject({
            name: z.string(),
            emptyDir: z.looseObject({}).optional(),
            configMap: z.looseObject({ name: z.string() }).optional(),
          }),
        ),
      }),
    }),
  }),
});
const ServiceSchema = z.looseObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Service'),
  spec: z.looseObject({
    selector: LabelsSchema,
    ports: z.array(z.looseObject({ port: z.number(), targetPort: z.union([z.string(), z.number()]) })),
  }),
});
const HpaSchema = z.looseObject({
  apiVersion: z.literal('autoscaling/v2'),
  kind: z.literal('HorizontalPodAutoscaler'),
  spec: z.looseObject({
    scaleTargetRef: z.looseObject({ apiVersion: z.string(), kind: z.literal('Deployment'), name: z.string() }),
    minReplicas: z.number(),
    maxReplicas: z.number(),
    metrics: z.array(
      z.looseObject({
        type: z.literal('Resource'),
        resource: z.looseObject({ name: z.string(), target: z.looseObject({ type: z.string(), averageUtilization: z.number() }) }),
      }),
    ),
  }),
});
const PdbSchema = z.looseObject({
  apiVersion: z.literal('policy/v1'),
  kind: z.literal('PodDisruptionBudget'),
  spec: z.looseObject({ minAvailable: z.number().optional(), maxUnavailable: z.number().optional(), selector: z.looseObject({ matchLabels: LabelsSchema }) }),
});
const ConfigMapSchema = z.looseObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('ConfigMap'),
  metadata: z.looseObject({ name: z.string() }),
  data: z.record(z.string(), z.string()),
});
const KustomizationSchema = z.looseObject({ kind: z.literal('Kustomization'), resources: z.array(z.string()) });

const K8S = 'docker/k8s';
const kustomization = KustomizationSchema.parse(yamlDocuments(`${K8S}/kustomization.yaml`)[0]);
const manifests = kustomization.resources.flatMap((file) => yamlDocuments(`${K8S}/${file}`));
const ofKind = <T extends z.ZodType>(kind: string, schema: T): z.output<T>[] =>
  manifests.filter((m) => (m as { kind?: unknown }).kind === kind).map((m) => schema.parse(m));

// The service's own Deployment (redis.yaml has Redis's); undefined in the type, so each test says which field is missing.
const deployment = DeploymentSchema.safeParse(
  manifests.find((m) => (m as { kind?: unknown }).kind === 'Deployment' && (m as { metadata?: { name?: unknown } }).metadata?.name === 'onfh-cds'),
).data;
const pod = deployment?.spec.template.spec;
const container = pod?.containers[0];
const envOf = (name: string) => container?.env.find((e) => e.name === name)?.value;
/** The container's environment as the config sees it; a value from a Secret stands in as a 32-character placeholder. */
const envValues = () =>
  Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value ?? ('valueFrom' in e ? (e.name === 'DATABASE_URL' ? 'postgres://secret' : e.name === 'REDIS_URL' ? 'redis://secret' : 's'.repeat(32)) : undefined)]));
const configMaps = ofKind('ConfigMap', ConfigMapSchema);
const configMapMountedAt = (path: string) => {
  const mount = container?.volumeMounts.find((m) => m.mountPath === path);
  const volume = pod?.volumes.find((v) => v.name === mount?.name);
  return configMaps.find((c) => c.metadata.name === volume?.configMap?.name);
};
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('docker/k8s', () => {
  it('lists every manifest in kustomization.yaml, each parsing, with the expected kinds', () => {
    const kinds = manifests.map((m) => (m as { kind?: unknown }).kind).sort();
    expect(kinds).toEqual(['ConfigMap', 'ConfigMap', 'Deployment', 'Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'Service']);
  });

  it('Deployment: 2 replicas of a pinned image with requests and limits', () => {
    expect(deployment?.spec.replicas).toBe(2);
    expectPinned(container?.image);
    expect(matches(deployment?.spec.selector.matchLabels ?? {}, deployment?.spec.template.metadata.labels ?? {})).toBe(true);
  });

  it('Deployment: liveness on /healthz, readiness on /readyz, on the container port', () => {
    expect(container?.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container?.readinessProbe.httpGet.path).toBe('/readyz');
    const portNames = container?.ports.map((p) => p.name);
    for (const probe of [container?.livenessProbe, container?.readinessProbe]) {
      const port = probe?.httpGet.port;
      expect(typeof port === 'string' ? portNames : container?.ports.map((p) => p.containerPort)).toContain(port);
    }
    expect(container?.ports.map((p) => p.containerPort)).toContain(Number(envOf('PORT') ?? 3000));
  });

  it('Deployment: non-root, no privilege escalation, no capabilities, read-only root with an emptyDir /tmp', () => {
    expect(pod?.securityContext.runAsNonRoot).toBe(true);
    expect(pod?.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container?.securityContext.capabilities.drop).toContain('ALL');
    const tmp = container?.volumeMounts.find((m) => m.mountPath === '/tmp');
    expect(pod?.volumes.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
  });

  it('Deployment: gives SIGTERM draining more time than preStop + SHUTDOWN_TIMEOUT_MS before SIGKILL', () => {
    const config = loadConfig(envValues());
    const preStop = container?.lifecycle?.preStop.exec.command ?? [];
    const preStopSeconds = preStop[0] === 'sleep' ? Number(preStop[1]) : 0;
    expect((pod?.terminationGracePeriodSeconds ?? 0) * 1000).toBeGreaterThan(preStopSeconds * 1000 + config.SHUTDOWN_TIMEOUT_MS);
  });

  it("Deployment: its environment passes the service's config schema (production, JWT auth)", () => {
    const config = loadConfig(envValues());
    expect(config.NODE_ENV).toBe('production');
    expect(config.AUTH_MODE).toBe('jwt');
    expect(config.PUBLIC_BASE_URL).toMatch(/^https:\/\//);
  });

  it('Deployment: two replicas share one PostgreSQL; its URL and the pseudonym key come from a Secret', () => {
    for (const name of ['DATABASE_URL', 'PSEUDONYM_KEY']) {
      const entry = container?.env.find((e) => e.name === name) as { value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } } | undefined;
      expect(entry?.value).toBeUndefined();
      expect(entry?.valueFrom?.secretKeyRef).toEqual({ name: 'onfh-cds-store', key: name });
    }
  });

  it('Deployment: RULES_DIR is where the site-rules ConfigMap is mounted, read-only', () => {
    const rulesDir = envOf('RULES_DIR') ?? '';
    expect(rulesDir).not.toBe('');
    expect(container?.volumeMounts.find((m) => m.mountPath === rulesDir)?.readOnly).toBe(true);
    expect(configMapMountedAt(rulesDir)?.metadata.name).toBe('onfh-cds-site-rules');
  });

  it('Deployment: CDS_CLIENTS_FILE is a key of the clients ConfigMap mounted beside it', () => {
    const file = envOf('CDS_CLIENTS_FILE') ?? '';
    const dir = file.slice(0, file.lastIndexOf('/'));
    const key = file.slice(file.lastIndexOf('/') + 1);
    expect(configMapMountedAt(dir)?.data[key]).toBeDefined();
  });

  it('Deployment: REDIS_URL (required) and ADMIN_TOKEN (optional) come from the Secret; only the service pods reach Redis', () => {
    const fromSecret = (name: string) => (container?.env.find((e) => e.name === name) as { valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } } | undefined)?.valueFrom?.secretKeyRef;
    expect(fromSecret('REDIS_URL')).toEqual({ name: 'onfh-cds-secrets', key: 'REDIS_URL' });
    expect(fromSecret('ADMIN_TOKEN')).toEqual({ name: 'onfh-cds-secrets', key: 'ADMIN_TOKEN', optional: true });
    const policy = manifests.find((m) => (m as { kind?: unknown }).kind === 'NetworkPolicy') as { spec: { ingress: { from: { podSelector: { matchLabels: Record<string, string> } }[] }[] } };
    expect(matches(policy.spec.ingress[0]?.from[0]?.podSelector.matchLabels ?? {}, deployment?.spec.template.metadata.labels ?? {})).toBe(true);
  });

  it('Service: selects the pods and targets the container port', () => {
    const service = ofKind('Service', ServiceSchema)[0];
    expect(matches(service?.spec.selector ?? {}, deployment?.spec.template.metadata.labels ?? {})).toBe(true);
    const target = service?.spec.ports[0]?.targetPort;
    expect(typeof target === 'string' ? container?.ports.map((p) => p.name) : container?.ports.map((p) => p.containerPort)).toContain(target);
  });

  it('HorizontalPodAutoscaler (autoscaling/v2): scales the Deployment on CPU, never below 2', () => {
    const hpa = ofKind('HorizontalPodAutoscaler', HpaSchema)[0];
    expect(hpa?.spec.scaleTargetRef.name).toBe(deployment?.metadata.name);
    expect(hpa?.spec.metrics.map((m) => m.resource.name)).toEqual(['cpu']);
    expect(hpa?.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa?.spec.maxReplicas).toBeGreaterThan(hpa?.spec.minReplicas ?? 0);
  });

  it('PodDisruptionBudget: selects the pods and keeps at least one of the 2 replicas up', () => {
    const pdb = ofKind('PodDisruptionBudget', PdbSchema)[0];
    expect(matches(pdb?.spec.selector.matchLabels ?? {}, deployment?.spec.template.metadata.labels ?? {})).toBe(true);
    expect(pdb?.spec.minAvailable).toBeGreaterThanOrEqual(1);
    expect(pdb?.spec.minAvailable).toBeLessThan(deployment?.spec.replicas ?? 0);
  });

  it('site-rules ConfigMap: every key a rule file in JSON with id, version and kind', () => {
    const rules = configMaps.find((c) => c.metadata.name === 'onfh-cds-site-rules');
    const keys = Object.keys(rules?.data ?? {});
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).toMatch(/^[-._a-zA-Z0-9]+\.json$/);
      const json = JSON.parse(rules?.data[key] ?? '') as Record<string, unknown>;
      expect(typeof json.id, key).toBe('string');
      expect(json.version, key).toMatch(/^\d{4}\.\d+\.\d+$/);
      expect(typeof json.kind, key).toBe('string');
    }
  });
});

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
describe.skipIf(!kubectl)('docker/k8s with kubectl (when installed)', () => {
  it('builds with kustomize into the same nine objects', () => {
    const built = spawnSync('kubectl', ['kustomize', repoPath(K8S)], { encoding: 'utf8', timeout: 60_000 });
    expect(built.status, built.stderr).toBe(0);
    const kinds = built.stdout.split(/^---$/m).map((doc) => (parseYaml(doc) as { kind?: string } | null)?.kind);
    expect(kinds.sort()).toEqual(['ConfigMap', 'ConfigMap', 'Deployment', 'Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'Service']);
  });
});

// ── the site-rules ConfigMap, generated and mounted as the kubelet mounts it ─────────────────

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/**
 * A ConfigMap volume as the kubelet writes it: the files in a timestamped folder, `..data`
 * pointing at it, and one symlink per key at the top.
 */
function mountLikeKubelet(data: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'onfh-configmap-'));
  temps.push(dir);
  const stamped = '..2026_11_21_13_00_00.000000001';
  mkdirSync(join(dir, stamped));
  for (const [key, text] of Object.entries(data)) writeFileSync(join(dir, stamped, key), text);
  symlinkSync(stamped, join(dir, '..data'));
  for (const key of Object.keys(data)) symlinkSync(join('..data', key), join(dir, key));
  return dir;
}

const rulesLoader = repoPath('src/rules/index.ts');
describe.skipIf(!existsSync(rulesLoader))('site rules through a ConfigMap (generator + kubelet layout + loader)', () => {
  it('loads the same rule sets from the mounted ConfigMap as from the bundled rules folder', async () => {
    const generated = spawnSync(process.execPath, ['docker/k8s/make-site-rules-configmap.js', 'rules'], { cwd: ROOT, encoding: 'utf8' });
    expect(generated.stderr).toBe('');
    expect(generated.status).toBe(0);
    const configMap = ConfigMapSchema.parse(parseYaml(generated.stdout));
    const mounted = mountLikeKubelet(configMap.data);

    const modulePath = '../../src/rules/index.js';
    const { loadRules } = (await import(modulePath)) as {
      loadRules: (dir: string) => Promise<{ sets: readonly { id: string; version: string; status: string }[] }>;
    };
    const summary = async (dir: string) => {
      try {
        const loaded = await loadRules(dir);
        return loaded.sets.map((s) => `${s.id}@${s.version} ${s.status}`).sort();
      } catch (e) {
        return `refused: ${(e as Error).message.split('\n').length - 1} faults`;
      }
    };
    // the kubelet's layout (symlinks, ..data, a timestamped folder) changes nothing: same sets, or the same refusal
    expect(await summary(mounted)).toEqual(await summary(BUNDLED_RULES_DIR));
    // and the files are named by their keys (GET /rules, logs), not by the timestamped copies
    const files = (await loadRules(mounted)).sets.map((s) => (s as { file?: string }).file);
    expect(files.length).toBe(Object.keys(configMap.data).length);
    expect(files.filter((f) => f === undefined || f.startsWith('..') || !(f in configMap.data))).toEqual([]);
  });

  it('the committed site-rules ConfigMap loads as a whole rule set (else pods would never turn ready)', async () => {
    const committed = configMaps.find((c) => c.metadata.name === 'onfh-cds-site-rules');
    const mounted = mountLikeKubelet(committed?.data ?? {});
    const modulePath = '../../src/rules/index.js';
    const { loadRules } = (await import(modulePath)) as { loadRules: (dir: string) => Promise<{ sets: readonly unknown[] }> };
    const loaded = await loadRules(mounted).catch((e: unknown) => {
      throw new Error(
        `docker/k8s/site-rules-configmap.yaml no longer loads; regenerate it with\n` +
          `  node docker/k8s/make-site-rules-configmap.js rules > docker/k8s/site-rules-configmap.yaml\n${(e as Error).message}`,
      );
    });
    expect(loaded.sets.length).toBe(Object.keys(committed?.data ?? {}).length);
  });

  it('the committed site-rules ConfigMap is the bundled rules of this commit (a stale one deploys older rules)', () => {
    const generated = spawnSync(process.execPath, ['docker/k8s/make-site-rules-configmap.js', 'rules'], { cwd: ROOT, encoding: 'utf8' });
    const fresh = ConfigMapSchema.parse(parseYaml(generated.stdout));
    const committed = configMaps.find((c) => c.metadata.name === 'onfh-cds-site-rules');
    const stale = Object.keys(fresh.data).filter((k) => committed?.data[k] !== fresh.data[k]);
    expect(stale, 'regenerate it: npm run k8s:site-rules').toEqual([]);
  });
});

// ── the clients ConfigMap against the real clients-file schema ─────────────────────────────

const clientsModule = repoPath('src/auth/clients.ts');
describe.skipIf(!existsSync(clientsModule))('clients ConfigMap', () => {
  it('is a valid CDS_CLIENTS_FILE with https URLs only', async () => {
    const file = envOf('CDS_CLIENTS_FILE') ?? '';
    const text = configMapMountedAt(file.slice(0, file.lastIndexOf('/')))?.data[file.slice(file.lastIndexOf('/') + 1)] ?? '';
    const modulePath = '../../src/auth/clients.js';
    const { parseClients } = (await import(modulePath)) as {
      parseClients: (json: unknown, source: string) => { iss: string; fhirServers: readonly string[] }[];
    };
    const clients = parseClients(JSON.parse(text), 'docker/k8s/clients-configmap.yaml');
    expect(clients.length).toBeGreaterThan(0);
    for (const c of clients) for (const s of c.fhirServers) expect(s).toMatch(/^https:\/\//);
  });
});
