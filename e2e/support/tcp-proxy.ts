import net from 'node:net';

/**
 * A loopback TCP proxy a test controls, standing in for the network (or a load balancer) between two
 * real processes. Faults:
 *
 * - `cut()`: every open connection is reset and new ones are reset as soon as they are accepted —
 *   what a client sees when a peer or a firewall sends RST. The client notices at once.
 * - `blackhole()`: connections stay open but nothing moves either way, and new ones are accepted but
 *   get nowhere — a partition that drops packets. Nothing errors: only a client with its own timeouts
 *   (pings, request deadlines) notices. `restore()` lets the held bytes through, as TCP retransmission
 *   does once a partition heals; connections the client gave up on meanwhile it has closed itself — and
 *   the server hears of that close only then, as a FIN or RST sent into a partition arrives after it.
 * - `latencyMs`: every chunk is delayed this long in each direction.
 *
 * Upstreams are tried in order for each new connection, so a list of replicas makes it a failover
 * load balancer; `setUpstreams` re-points it (the balancer's health check noticed a dead replica).
 */

export interface TcpProxyOptions {
  /** `host:port` or a port on 127.0.0.1; tried in order. */
  upstreams: Array<number | string>;
  latencyMs?: number;
}

type Mode = 'open' | 'cut' | 'blackhole';

interface Link {
  client: net.Socket;
  upstream: net.Socket | null;
  /** Held by a blackhole: forwarding resumes (or, for a new connection, starts) on restore. */
  held: boolean;
}

export class TcpProxy {
  /** Connections accepted so far, whatever happened to them. */
  accepted = 0;
  latencyMs: number;
  private mode: Mode = 'open';
  private upstreams: Array<{ host: string; port: number }>;
  private readonly links = new Set<Link>();
  /** Upstream sides of links the client closed during a blackhole: the server learns of it on restore. */
  private readonly undelivered = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    options: TcpProxyOptions,
  ) {
    this.upstreams = parseUpstreams(options.upstreams);
    this.latencyMs = options.latencyMs ?? 0;
    server.on('connection', (client) => this.accept(client));
  }

  static async start(options: TcpProxyOptions): Promise<TcpProxy> {
    const server = net.createServer({ pauseOnConnect: true });
    const proxy = new TcpProxy(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** The proxy's address as a URL with `scheme` (e.g. `http` → `http://127.0.0.1:<port>`). */
  url(scheme: string, path = ''): string {
    return `${scheme}://127.0.0.1:${this.port}${path}`;
  }

  /** Connections currently open through the proxy. */
  get openConnections(): number {
    return this.links.size;
  }

  setUpstreams(upstreams: Array<number | string>): void {
    this.upstreams = parseUpstreams(upstreams);
  }

  /** Resets every open connection and every new one until `restore()`. */
  cut(): void {
    this.mode = 'cut';
    for (const link of [...this.links]) this.drop(link);
  }

  /** Nothing gets through either way until `restore()`; no connection is closed. */
  blackhole(): void {
    this.mode = 'blackhole';
    for (const link of this.links) this.hold(link);
  }

  /** Forwards again: held connections resume, new ones are forwarded. */
  restore(): void {
    this.mode = 'open';
    for (const upstream of this.undelivered) if (!upstream.destroyed) upstream.resetAndDestroy();
    this.undelivered.clear();
    for (const link of [...this.links]) {
      if (!link.held) continue;
      link.held = false;
      if (link.upstream) {
        link.client.resume();
        link.upstream.resume();
      } else {
        this.connectUpstream(link, 0);
      }
    }
  }

  /** Closes the listener and every connection. */
  async stop(): Promise<void> {
    this.mode = 'open';
    for (const link of [...this.links]) this.drop(link);
    for (const upstream of this.undelivered) upstream.destroy();
    this.undelivered.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.accepted++;
    const link: Link = { client, upstream: null, held: false };
    this.links.add(link);
    client.on('error', () => this.drop(link));
    client.on('close', () => this.drop(link));
    if (this.mode === 'cut') return this.drop(link);
    if (this.mode === 'blackhole') {
      link.held = true;
      return;
    }
    this.connectUpstream(link, 0);
  }

  private connectUpstream(link: Link, index: number): void {
    const target = this.upstreams[index];
    if (!target || link.client.destroyed) return this.drop(link);
    const upstream = net.connect(target.port, target.host);
    upstream.on('error', () => {
      // Not connected yet: the next replica; connected: the link is gone.
      if (link.upstream === upstream) this.drop(link);
      else this.connectUpstream(link, index + 1);
    });
    upstream.once('connect', () => {
      if (!this.links.has(link)) return upstream.destroy();
      link.upstream = upstream;
      upstream.on('close', () => this.drop(link));
      this.pipe(link.client, upstream);
      this.pipe(upstream, link.client);
      if (this.mode === 'blackhole') this.hold(link);
      else link.client.resume();
    });
  }

  /** Forwards `from` → `to`, delayed by the latency in force when each chunk arrives. */
  private pipe(from: net.Socket, to: net.Socket): void {
    from.on('data', (chunk) => {
      if (this.latencyMs <= 0) {
        if (!to.write(chunk)) from.pause();
        return;
      }
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, this.latencyMs);
    });
    to.on('drain', () => {
      if (this.mode !== 'blackhole') from.resume();
    });
    from.on('end', () => setTimeout(() => to.end(), this.latencyMs));
  }

  /** Stops reading both ends: bytes wait in the kernel's buffers, as they would in a partition. */
  private hold(link: Link): void {
    link.held = true;
    link.client.pause();
    link.upstream?.pause();
  }

  private drop(link: Link): void {
    if (!this.links.delete(link)) return;
    if (!link.client.destroyed) link.client.resetAndDestroy();
    if (!link.upstream || link.upstream.destroyed) return;
    if (this.mode === 'blackhole') this.undelivered.add(link.upstream);
    else link.upstream.resetAndDestroy();
  }
}

function parseUpstreams(upstreams: Array<number | string>): Array<{ host: string; port: number }> {
  return upstreams.map((upstream) => {
    if (typeof upstream === 'number') return { host: '127.0.0.1', port: upstream };
    const url = new URL(/^\w+:\/\//.test(upstream) ? upstream : `tcp://${upstream}`);
    return { host: url.hostname, port: Number(url.port) };
  });
}
