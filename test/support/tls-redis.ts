/**
 * A redis-server that speaks TLS only (`--port 0`, `--tls-port`), with client certificates required
 * and an ACL file: the default user is off, `admin` may do anything (for the test's checks), and the
 * test adds Breakwater's user with the documented minimal ACL (docs/redis-acl.md).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { ManagedProcess } from '../../src/testing/child-process';
import { freePort } from '../../src/free-port';
import { PROJECT_ROOT, resolveRedisServer } from '../../src/testing/toolchain';
import type { TestCertificates } from './certificates';

export const REDIS_ADMIN = { username: 'admin', password: 'admin-password-0b1c' };

/** The `ACL SETUSER` line of docs/redis-acl.md, for `prefix` and `password`, as ACL file rules. */
export function documentedAclRules(prefix: string, password: string): string {
  const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'redis-acl.md'), 'utf8');
  const line = /^ACL SETUSER breakwater (.+)$/m.exec(doc)?.[1];
  if (line === undefined) throw new Error('docs/redis-acl.md: no `ACL SETUSER breakwater …` line');
  return line.replace('>CHANGE-ME', `>${password}`).replace('~bw:*', `~${prefix}:*`);
}

export class TlsRedis {
  private constructor(
    private readonly process: ManagedProcess,
    private readonly certificates: TestCertificates,
    readonly port: number,
  ) {}

  /** Starts the server in `dir`; `users` are more ACL file lines (`user <name> <rules>`). */
  static async start(dir: string, certificates: TestCertificates, users: string[]): Promise<TlsRedis> {
    const binary = resolveRedisServer();
    if (!binary) throw new Error('redis-server not found');
    const aclFile = join(dir, 'users.acl');
    writeFileSync(
      aclFile,
      [
        'user default off',
        `user ${REDIS_ADMIN.username} on >${REDIS_ADMIN.password} ~* &* +@all`,
        ...users,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    // prettier-ignore
    const args = [
      '--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1',
      '--tls-cert-file', certificates.serverCertPath, '--tls-key-file', certificates.serverKeyPath,
      '--tls-ca-cert-file', certificates.caPath, '--tls-auth-clients', 'yes',
      '--aclfile', aclFile, '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no',
    ];
    const process = ManagedProcess.spawn('redis-server-tls', binary.path, args, {
      logFile: join(dir, 'redis-tls.log'),
    });
    const server = new TlsRedis(process, certificates, port);
    const exited = process.whenExited().then((code) => {
      throw new Error(
        `redis-server exited (code ${code}) during start-up; see ${join(dir, 'redis-tls.log')}`,
      );
    });
    const admin = server.admin();
    try {
      await Promise.race([admin.ping(), exited]);
    } finally {
      admin.disconnect();
    }
    return server;
  }

  get url(): string {
    return `rediss://127.0.0.1:${this.port}`;
  }

  /** A connection as `admin` (with the client certificate), which retries until the server listens. */
  admin(): Redis {
    const admin = new Redis(this.url, {
      ...REDIS_ADMIN,
      tls: {
        ca: readFileSync(this.certificates.caPath),
        cert: readFileSync(this.certificates.clientCertPath),
        key: readFileSync(this.certificates.clientKeyPath),
      },
      retryStrategy: (times) => (times > 100 ? null : 50),
    });
    admin.on('error', () => undefined);
    return admin;
  }

  async stop(): Promise<void> {
    await this.process.stop();
  }
}
