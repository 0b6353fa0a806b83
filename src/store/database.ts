/**
 * Opens the store's database and brings its schema up to date: PGlite (embedded PostgreSQL,
 * WebAssembly) in DATA_DIR when DATABASE_URL is unset, else a pool of connections to PostgreSQL.
 * Both behind one Kysely instance, so every query is the same SQL on both.
 */
import { mkdir } from 'node:fs/promises';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import { Migrator, type MigrationProvider } from 'kysely/migration';
import pg from 'pg';
import { ThreadedPGlite } from './pglite-thread.js';
import { MIGRATIONS, type StoreDatabase } from './schema.js';

export type Backend = 'pglite' | 'postgres';

export interface StoreDatabaseHandle {
  readonly backend: Backend;
  readonly db: Kysely<StoreDatabase>;
  /** Closes the pool or the PGlite instance. */
  destroy(): Promise<void>;
}

export interface OpenOptions {
  readonly databaseUrl?: string | undefined;
  readonly dataDir: string;
  /** Called with errors of idle pooled connections (a restarted server): logged, never thrown. */
  readonly onPoolError: (error: Error) => void;
}

/** A PostgreSQL query (or a wait for a pooled connection) slower than this fails; the caller retries. */
const STATEMENT_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 3000;

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(MIGRATIONS) };

export async function openDatabase(options: OpenOptions): Promise<StoreDatabaseHandle> {
  let handle: StoreDatabaseHandle;
  if (options.databaseUrl !== undefined) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: 4,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      statement_timeout: STATEMENT_TIMEOUT_MS,
      query_timeout: STATEMENT_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
    });
    // Without a listener an idle client's error (server restarted) would end the process.
    pool.on('error', options.onPoolError);
    const db = new Kysely<StoreDatabase>({ dialect: new PostgresDialect({ pool }) });
    handle = { backend: 'postgres', db, destroy: () => db.destroy() };
  } else {
    await mkdir(options.dataDir, { recursive: true });
    const pglite = new ThreadedPGlite(options.dataDir);
    await pglite.waitReady;
    const db = new Kysely<StoreDatabase>({ dialect: new PGliteDialect({ pglite }) });
    handle = { backend: 'pglite', db, destroy: () => db.destroy() };
  }
  try {
    await migrate(handle.db);
  } catch (error) {
    await handle.destroy().catch(() => undefined);
    throw error;
  }
  return handle;
}

/** Every migration not yet applied, in order; Kysely's Migrator locks, so two replicas starting at once are safe. */
async function migrate(db: Kysely<StoreDatabase>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`store migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : 'unknown error'}`, { cause: error });
  }
}
