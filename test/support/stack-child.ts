/**
 * A stand-in for `npm run stack` that the dev-stack test can kill: starts the embedded stack,
 * stops it on SIGINT/SIGTERM, prints one JSON line describing its processes, then waits forever.
 *
 * Pids come from /proc (Linux only): the owner of each server's listening socket, found through
 * /proc/net/tcp{,6} and /proc/<pid>/fd (what `ss -ltnp` does, without depending on the tool or on
 * process titles, which redis-server rewrites), and every descendant of this process.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { startStack, stopOnSignals } from '../../src/testing/stack';
import { errorMessage } from '../../src/error-message';

export interface StackChildInfo {
  pid: number;
  dir: string;
  redis: { port: number; pids: number[] };
  temporal: { port: number; pids: number[] };
  /** Every process below this one when the line was printed (guards, servers, helpers). */
  descendants: number[];
}

function processIds(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Inodes of the sockets listening on TCP `port`. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readOrEmpty(table).split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      const [, local, , state] = fields;
      const inode = fields[9];
      if (!local || state !== '0A' || !inode) continue;
      if (Number.parseInt(local.split(':')[1] ?? '', 16) === port) inodes.add(inode);
    }
  }
  return inodes;
}

/** Processes holding a socket that listens on `port`. */
function pidsListeningOn(port: number): number[] {
  const sockets = new Set([...listeningInodes(port)].map((inode) => `socket:[${inode}]`));
  const owners: number[] = [];
  for (const pid of processIds()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    const holds = fds.some((fd) => {
      try {
        return sockets.has(readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        return false;
      }
    });
    if (holds) owners.push(pid);
  }
  return owners;
}

/** Every process whose parent chain leads to `root`. */
function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of processIds()) {
    const stat = readOrEmpty(`/proc/${pid}/stat`);
    // pid (comm) state ppid ...; comm may hold spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!Number.isInteger(ppid)) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

async function main(): Promise<void> {
  const stack = await startStack({ ui: false });
  stopOnSignals(stack);
  const temporalPort = Number(stack.temporal.address.split(':').at(-1));
  const info: StackChildInfo = {
    pid: process.pid,
    dir: stack.dir,
    redis: { port: stack.redis.port, pids: pidsListeningOn(stack.redis.port) },
    temporal: { port: temporalPort, pids: pidsListeningOn(temporalPort) },
    descendants: descendantsOf(process.pid),
  };
  process.stdout.write(`${JSON.stringify(info)}\n`);
  setInterval(() => undefined, 60_000);
}

main().catch((error: unknown) => {
  process.stderr.write(`stack-child failed: ${errorMessage(error)}\n`);
  process.exit(1);
});
