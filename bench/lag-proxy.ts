/**
 * A TCP proxy in front of a Redis primary that can hold back what the primary sends to its replicas:
 * replication lag on demand. Other connections (clients, sentinels) pass untouched. A replication link
 * is told apart by the replica's handshake (`REPLCONF`). When the primary dies, its links close and
 * what they held is dropped, as a crash loses what a primary had not yet sent.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { RedisNode } from '../src/redis/types';
import { freePort } from '../src/free-port';

export class LagProxy {
  private holding = false;
  private readonly links: Array<{ replica: Socket; primary: Socket; held: Buffer[]; replication: boolean }> =
    [];

  private constructor(
    private readonly server: Server,
    readonly address: RedisNode,
  ) {}

  static async start(primary: RedisNode): Promise<LagProxy> {
    const port = await freePort();
    const server = createServer();
    const proxy = new LagProxy(server, { host: '127.0.0.1', port });
    server.on('connection', (replica) => proxy.link(replica, primary));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return proxy;
  }

  /** From now on, keep what the primary sends its replicas instead of forwarding it. */
  hold(): void {
    this.holding = true;
  }

  /** Drops every link and what it held, and stops accepting new ones. */
  async close(): Promise<void> {
    for (const { replica, primary } of this.links.splice(0)) {
      replica.destroy();
      primary.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private link(replica: Socket, target: RedisNode): void {
    const primary = connect(target.port, target.host);
    const link = { replica, primary, held: [] as Buffer[], replication: false };
    this.links.push(link);
    replica.on('data', (chunk: Buffer) => {
      link.replication ||= chunk.includes('REPLCONF');
      primary.write(chunk);
    });
    primary.on('data', (chunk: Buffer) =>
      this.holding && link.replication ? link.held.push(chunk) : replica.write(chunk),
    );
    const drop = () => {
      replica.destroy();
      primary.destroy();
    };
    for (const socket of [replica, primary]) {
      socket.on('error', drop);
      socket.on('close', drop);
    }
  }
}
