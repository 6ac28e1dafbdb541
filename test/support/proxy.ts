import { createServer, connect, type Server, type Socket } from 'node:net';

/** What the proxy does to traffic: forward it, refuse it, or swallow it without an answer. */
export type ProxyMode = 'pass' | 'down' | 'stall';

/**
 * A TCP proxy on 127.0.0.1 in front of a real service (Redis, PostgreSQL), to take the service
 * away and give it back while an app is running: `down` resets every connection (as a crashed
 * server would), `stall` accepts and never answers (a hung server, a black-holed network), and
 * `pass` forwards again.
 */
export class TcpProxy {
  private mode: ProxyMode = 'pass';
  private readonly pairs = new Set<[Socket, Socket | undefined]>();

  private readonly server: Server;
  /** The port to connect to instead of the service's. */
  port = 0;

  private constructor(targetPort: number) {
    this.server = createServer((client) => this.accept(client, targetPort));
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.port = (proxy.server.address() as { port: number }).port;
    return proxy;
  }

  /** Switches mode; connections opened under another mode are cut. */
  set(mode: ProxyMode): void {
    if (mode === this.mode) return;
    this.mode = mode;
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream?.destroy();
    }
    this.pairs.clear();
  }

  private accept(client: Socket, targetPort: number): void {
    client.on('error', () => undefined);
    if (this.mode === 'down') return void client.resetAndDestroy();
    if (this.mode === 'stall') {
      const pair: [Socket, Socket | undefined] = [client, undefined];
      this.pairs.add(pair);
      client.on('data', () => undefined); // read and drop: never an answer
      return;
    }
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    upstream.on('error', () => client.destroy());
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('close', drop);
  }

  async close(): Promise<void> {
    this.set('down');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
