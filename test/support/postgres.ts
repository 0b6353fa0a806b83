/**
 * A real PostgreSQL server for the store's tests: Debian's `postgresql` package (`.ci/run`
 * installs it when missing), started with initdb/pg_ctl on 127.0.0.1 and a free port, in a temp
 * folder deleted afterwards. One server per test file; each test uses its own database.
 *
 * Running as root (CI and the sessions do), initdb refuses to run: the cluster is then made and
 * started as the unprivileged user `nobody` through `runuser -u nobody --`, in a folder that user
 * owns. Authentication is `trust` on 127.0.0.1 only; fsync is off (nothing here must survive a
 * power cut, and it keeps the file fast).
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** The newest /usr/lib/postgresql/<major>/bin, or null when the package is not installed. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const majors = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  const dir = majors.map((m) => join(root, m, 'bin')).find((d) => existsSync(join(d, 'pg_ctl')));
  return dir ?? null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => { resolve(port); });
    });
  });
}

export interface PostgresServer {
  readonly port: number;
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database?: string): string;
  /** A fresh, empty database; returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Runs one statement as the superuser on `database` and returns its rows. */
  query<T = Record<string, unknown>>(database: string, text: string, params?: unknown[]): Promise<T[]>;
  /** Stops the server (fast: connections are cut) and starts it again, same port, same data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops and deletes everything. */
  destroy(): Promise<void>;
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (bin === null) throw new Error('PostgreSQL is not installed: apt-get install -y postgresql (.ci/run does this)');
  const root = mkdtempSync(join(tmpdir(), 'onfh-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(root, 65534, 65534); // nobody:nogroup
  const as = (cmd: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'nobody', '--', join(bin, cmd), ...args]) : run(join(bin, cmd), args));
  const data = join(root, 'data');
  await as('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  const port = await freePort();
  const options = `-h 127.0.0.1 -p ${port} -k ${root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const start = async () => {
    await as('pg_ctl', ['-D', data, '-o', options, '-l', join(root, 'log'), '-w', '-t', '30', 'start']);
  };
  const stop = async () => {
    await as('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  };
  await start();
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const query = async <T>(database: string, text: string, params: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url(database) });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  };
  return {
    port,
    url,
    query,
    async createDatabase(name) {
      await query('postgres', `create database "${name}"`);
      return url(name);
    },
    stop,
    start,
    async destroy() {
      await stop().catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
