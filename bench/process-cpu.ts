/**
 * CPU time of the stack's other processes (Linux `/proc`): where a bench's time goes outside its
 * own process, which `process.cpuUsage()` covers.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports `utime` and `stime` in clock ticks of 1/100 s (`getconf CLK_TCK`). */
const TICKS_PER_SECOND = 100;

/** Reads a `/proc` file, or undefined when the process has gone meanwhile. */
function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The pids of the processes whose command line (arguments joined by spaces) passes `test`. */
export function pidsWhere(test: (commandLine: string) => boolean): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      const commandLine = readProc(`/proc/${pid}/cmdline`);
      return commandLine !== undefined && test(commandLine.replaceAll('\0', ' ').trim());
    })
    .map(Number);
}

/** User plus system CPU seconds `pids` have used so far (all their threads); 0 for a pid gone. */
export function cpuSecondsOf(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readProc(`/proc/${pid}/stat`);
    if (!stat) continue;
    // The fields after the command name `(…)`, which may hold spaces: utime and stime are 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_SECOND;
}

/** CPU seconds used so far by this process and by the stack's Temporal dev server and redis-server. */
export interface StackCpu {
  bench: number;
  temporal: number;
  redis: number;
}

/**
 * A reader of the CPU the stack has used so far: this process (`process.cpuUsage`), the Temporal
 * dev server (the processes whose command line names `stackDir`, where its SQLite file is) and the
 * redis-server on `redisPort`. Off Linux the last two read 0.
 */
export function stackCpuReader(stackDir: string, redisPort: number): () => StackCpu {
  const temporal = pidsWhere((commandLine) => commandLine.includes(`${stackDir}/`));
  const redis = pidsWhere(
    (commandLine) => /redis-server/.test(commandLine) && commandLine.endsWith(`:${redisPort}`),
  );
  return () => {
    const own = process.cpuUsage();
    return {
      bench: (own.user + own.system) / 1e6,
      temporal: cpuSecondsOf(temporal),
      redis: cpuSecondsOf(redis),
    };
  };
}
