/**
 * A JWK Set served over https by node:https on 127.0.0.1, with a certificate from a CA made for
 * the test (openssl, Debian package `openssl`): the service must trust that CA explicitly, as a
 * site trusts its own (NODE_EXTRA_CA_CERTS, or an undici Agent given the CA).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCa {
  /** PEM of the CA certificate, and the file holding it (for NODE_EXTRA_CA_CERTS). */
  readonly caPem: string;
  readonly caFile: string;
  readonly keyPem: string;
  readonly certPem: string;
}

/** A CA and a server certificate for 127.0.0.1 and localhost, signed by it (EC P-256, 1 day). */
export function makeTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'onfh-ca-'));
  const run = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=onfh-cds test CA');
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'san.ext');
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
  return { caPem: read('ca.pem'), caFile: join(dir, 'ca.pem'), keyPem: read('server.key'), certPem: read('server.pem') };
}

/** Serves `body` (JSON) at /jwks.json while `up`; 503 otherwise. Counts requests. */
export class HttpsKeyServer {
  up = true;
  body: unknown = { keys: [] };
  requests = 0;
  private server: Server | undefined;
  url = '';

  constructor(private readonly ca: TestCa) {}

  async start(): Promise<this> {
    const server = createServer({ key: this.ca.keyPem, cert: this.ca.certPem }, (req, res) => {
      this.requests += 1;
      if (!this.up || req.url !== '/jwks.json') {
        res.writeHead(this.up ? 404 : 503, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.body));
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `https://127.0.0.1:${String((server.address() as AddressInfo).port)}/jwks.json`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => {
      resolve();
    }));
  }
}
