import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { KubeCluster } from '@outpost/kube-testenv';

/**
 * An HTTPS reverse proxy in front of a real kube-apiserver, for faults the apiserver will not produce
 * on demand: HTTP 5xx, and slowness. It terminates TLS with a throwaway self-signed certificate (the
 * agent's kubeconfig trusts it, see startAgentProcess's `apiServer`), forwards each request as is —
 * the ServiceAccount's bearer token included, so RBAC is still the real apiserver's — and records
 * every request, so a test can count what the agent asked for (retries, deletes).
 *
 * A real 403 needs no proxy: narrow the agent's Role with `cluster.updateRole`.
 */

const run = promisify(execFile);

export interface KubeRequest {
  method: string;
  /** Path and query, e.g. `/api/v1/namespaces/ns/pods?labelSelector=…`. */
  path: string;
  /** What the agent got: the apiserver's status, or the injected one; 0 until answered (or never). */
  status: number;
  injected: boolean;
  /** When it arrived (ms since the epoch). */
  at: number;
}

export interface Fault {
  /** Which requests fail. */
  match: (request: { method: string; path: string }) => boolean;
  /** Answer with this status (and a Kubernetes Status body) instead of forwarding. */
  status?: number;
  /** Hold the request this long first (then answer `status`, or forward). */
  delayMs?: number;
  /** Only the first this many matching requests; then the fault is gone. Default: until removed. */
  times?: number;
}

export class KubeFaultProxy {
  readonly requests: KubeRequest[] = [];
  private readonly faults = new Set<Fault>();
  private readonly uses = new Map<Fault, number>();

  private constructor(
    private readonly server: https.Server,
    private readonly cluster: KubeCluster,
    readonly caCertPem: string,
  ) {
    server.on('request', (request, response) => void this.handle(request, response));
  }

  static async start(cluster: KubeCluster): Promise<KubeFaultProxy> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'outpost-kube-proxy-'));
    try {
      await run(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          'key.pem',
          '-out',
          'cert.pem',
          '-subj',
          '/CN=outpost-kube-fault-proxy',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-days',
          '1',
        ],
        { cwd: dir },
      );
      const [key, cert] = await Promise.all([
        readFile(path.join(dir, 'key.pem'), 'utf8'),
        readFile(path.join(dir, 'cert.pem'), 'utf8'),
      ]);
      const server = https.createServer({ key, cert });
      const proxy = new KubeFaultProxy(server, cluster, cert);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      return proxy;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** `https://127.0.0.1:<port>`: the agent's Kubernetes API. */
  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Starts failing matching requests; returns a function that stops it. */
  inject(fault: Fault): () => void {
    this.faults.add(fault);
    return () => this.faults.delete(fault);
  }

  /** Requests matching `method` and `pattern` (on the path), since index `from` of `requests`. */
  count(method: string, pattern: RegExp, from = 0): KubeRequest[] {
    return this.requests.slice(from).filter((r) => r.method === method && pattern.test(r.path));
  }

  async stop(): Promise<void> {
    this.faults.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const requestPath = request.url ?? '/';
    // Recorded in order of arrival, so an index taken when a fault starts splits before from after.
    const record: KubeRequest = { method, path: requestPath, status: 0, injected: false, at: Date.now() };
    this.requests.push(record);
    const fault = [...this.faults].find((f) => f.match({ method, path: requestPath }));
    if (fault?.times !== undefined) {
      const used = (this.uses.get(fault) ?? 0) + 1;
      this.uses.set(fault, used);
      if (used >= fault.times) this.faults.delete(fault);
    }
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault?.status) {
      request.resume();
      record.status = fault.status;
      record.injected = true;
      response.writeHead(fault.status, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `injected by the test's fault proxy: HTTP ${fault.status}`,
          reason: fault.status >= 500 ? 'InternalError' : 'Unknown',
          code: fault.status,
        }),
      );
      return;
    }
    const upstream = https.request(
      {
        host: '127.0.0.1',
        port: this.cluster.port,
        method,
        path: requestPath,
        headers: { ...request.headers, host: `127.0.0.1:${this.cluster.port}` },
        ca: this.cluster.caCertPem,
      },
      (answer) => {
        const status = answer.statusCode ?? 502;
        record.status = status;
        response.writeHead(status, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', (error) => {
      // The apiserver is down (stopApiServer): the agent sees the connection reset, as it would.
      response.destroy(error);
    });
    request.pipe(upstream);
  }
}
