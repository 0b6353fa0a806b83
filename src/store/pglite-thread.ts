/**
 * PGlite in a worker thread. PGlite runs PostgreSQL as WebAssembly on the thread that calls it:
 * in the service's own thread, every query (and the first start, which creates the cluster and
 * takes seconds) would stall the event loop and so every hook call in flight. Here the database
 * lives in a worker; the service thread only posts messages. This object offers what Kysely's
 * PGliteDialect asks of a PGlite instance (query, transaction, close, ready, waitReady, closed).
 * If the worker dies (out of memory, a WebAssembly abort after a full disk), every waiting query
 * fails and `closed` turns true; the store then opens a new one.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Results } from '@electric-sql/pglite';

/** The worker's code, evaluated as a script: it imports PGlite by the URL it is given. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const txs = new Map();
let db;
const fail = (id, e) => parentPort.postMessage({ id, error: { message: String(e && e.message || e), code: e && e.code, name: e && e.name } });
const opened = import(workerData.pglite).then(({ PGlite }) => PGlite.create(workerData.dataDir)).then((d) => { db = d; });
opened.then(() => parentPort.postMessage({ id: 0 }), (e) => fail(0, e));
parentPort.on('message', async (m) => {
  try {
    await opened;
    if (m.type === 'query') {
      const target = m.tx === undefined ? db : txs.get(m.tx).tx;
      const r = await target.query(m.sql, m.params, { rowMode: 'object' });
      parentPort.postMessage({ id: m.id, result: { rows: r.rows, affectedRows: r.affectedRows, fields: r.fields } });
    } else if (m.type === 'begin') {
      let end;
      const ended = new Promise((resolve) => { end = resolve; });
      const done = db.transaction(async (tx) => {
        txs.set(m.id, { tx, end, done });
        parentPort.postMessage({ id: m.id, result: {} });
        if (!(await ended)) await tx.rollback();
      });
      done.catch(() => undefined);
      txs.set(m.id, { end, done });
    } else if (m.type === 'end') {
      const t = txs.get(m.tx);
      txs.delete(m.tx);
      t.end(m.commit);
      await t.done;
      parentPort.postMessage({ id: m.id, result: {} });
    } else if (m.type === 'close') {
      await db.close();
      parentPort.postMessage({ id: m.id, result: {} });
    }
  } catch (e) {
    fail(m.id, e);
  }
});
`;

interface Reply {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: { message: string; code?: string; name?: string };
}

/** What a query answers: PGlite's own result type, passed back from the worker as is. */
export type QueryResults<T> = Pick<Results<T>, 'rows' | 'affectedRows' | 'fields'>;

interface Queryable {
  query<T>(sql: string, params?: unknown[]): Promise<QueryResults<T>>;
}

export class ThreadedPGlite implements Queryable {
  closed = false;
  ready = false;
  readonly waitReady: Promise<void>;
  readonly #worker: Worker;
  readonly #waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #nextId = 1;

  constructor(dataDir: string) {
    const pglite = pathToFileURL(createRequire(import.meta.url).resolve('@electric-sql/pglite')).href;
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { pglite, dataDir } });
    this.#worker.unref();
    const opened = new Promise<void>((resolve, reject) => this.#waiting.set(0, { resolve: () => { resolve(); }, reject }));
    this.waitReady = opened.then(() => {
      this.ready = true;
    });
    this.#worker.on('message', (reply: Reply) => {
      const waiting = this.#waiting.get(reply.id);
      if (waiting === undefined) return;
      this.#waiting.delete(reply.id);
      if (reply.error === undefined) waiting.resolve(reply.result);
      else waiting.reject(Object.assign(new Error(reply.error.message), reply.error.code === undefined ? {} : { code: reply.error.code }));
    });
    const died = (error: Error) => {
      this.closed = true;
      for (const w of this.#waiting.values()) w.reject(error);
      this.#waiting.clear();
    };
    this.#worker.on('error', died);
    this.#worker.on('exit', (code) => { died(new Error(`PGlite worker exited (${code})`)); });
  }

  #send<T>(message: Record<string, unknown>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('PGlite worker closed'));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#worker.postMessage({ ...message, id });
    });
  }

  query<T>(sql: string, params: unknown[] = []): Promise<QueryResults<T>> {
    return this.#send({ type: 'query', sql, params });
  }

  async transaction<T>(callback: (tx: Queryable & { rollback(): Promise<void> }) => Promise<T>): Promise<T> {
    const tx = this.#nextId;
    await this.#send({ type: 'begin' });
    let commit = false;
    try {
      const result = await callback({
        query: <R>(sql: string, params: unknown[] = []) => this.#send<QueryResults<R>>({ type: 'query', sql, params, tx }),
        rollback: () => Promise.resolve(),
      });
      commit = true;
      return result;
    } finally {
      await this.#send({ type: 'end', tx, commit });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.#send({ type: 'close' });
    } finally {
      this.closed = true;
      await this.#worker.terminate();
    }
  }
}
