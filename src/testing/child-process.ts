/**
 * Child processes that die with their parent: on a normal exit, on Ctrl-C, on a crash and even
 * when the parent is killed outright.
 *
 * Each child runs in its own process group under a small `sh` guard that holds the read end of
 * a pipe from this process; when this process dies for any reason the pipe closes and the guard
 * kills the child.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

const GUARD_SCRIPT = [
  'exec 3<&0',
  '"$@" </dev/null &',
  'child=$!',
  '( read -r _ <&3; kill -TERM "$child" 2>/dev/null; sleep 5; kill -KILL "$child" 2>/dev/null ) &',
  'watcher=$!',
  'trap \'kill -TERM "$child" 2>/dev/null\' TERM INT',
  'wait "$child"; status=$?',
  'wait "$child" 2>/dev/null',
  'kill "$watcher" 2>/dev/null',
  'exit $status',
].join('\n');

const live = new Set<ManagedProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: a plain kill of each group is all that can run here.
  process.on('exit', () => {
    for (const child of live) child.killNow();
  });
}

export interface SpawnOptions {
  /** Where stdout and stderr go. */
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export class ManagedProcess {
  private readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? null : 0);
        live.delete(this);
        resolve(this.exitCode);
      });
    });
  }

  /** Starts `command` under the guard. */
  static spawn(
    name: string,
    command: string,
    args: readonly string[],
    options: SpawnOptions,
  ): ManagedProcess {
    installExitHook();
    const log = openSync(options.logFile, 'a');
    try {
      const child = spawn('sh', ['-c', GUARD_SCRIPT, 'guard', command, ...args], {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['pipe', log, log],
        detached: true,
      });
      const managed = new ManagedProcess(name, child);
      live.add(managed);
      return managed;
    } finally {
      closeSync(log);
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Resolves with the exit code when the process ends. */
  whenExited(): Promise<number | null> {
    return this.exited;
  }

  /** SIGTERM to the whole group, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.signalGroup('SIGTERM');
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Synchronous SIGKILL of the whole group (for exit handlers). */
  killNow(): void {
    if (this.running) this.signalGroup('SIGKILL');
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // Already gone.
    }
  }
}
