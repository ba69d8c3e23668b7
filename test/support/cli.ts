/** Child processes for the tests of the CLI and the worker's main: start or run one, collect its output, kill leftovers. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { PROJECT_ROOT } from '../../src/testing/toolchain';

/** The project's own tsx. */
export const TSX = join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  /** Default: the project root. */
  cwd?: string;
  /** Written to stdin, then closed (default: no stdin). */
  input?: string;
  /** `run` kills the command after this long (default 30 s). */
  timeoutMs?: number;
}

export interface Started {
  child: ChildProcess;
  /** What it has printed so far. */
  output: () => { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

/** Starts `command` with exactly `env` (plus PATH and HOME) in its own process group. */
export function start(
  command: string,
  args: string[],
  env: Record<string, string>,
  { cwd = PROJECT_ROOT, input }: RunOptions = {},
): Started {
  const child = spawn(command, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    detached: true,
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  if (input !== undefined) child.stdin?.end(input);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, output: () => ({ stdout, stderr }), exited };
}

/** Runs `command` as `start` does, to its end; kills it after `options.timeoutMs`. */
export async function run(
  command: string,
  args: string[],
  env: Record<string, string>,
  options?: RunOptions,
): Promise<CliResult> {
  const started = start(command, args, env, options);
  const timer = setTimeout(() => killGroup(started.child), options?.timeoutMs ?? 30_000);
  try {
    const { code } = await started.exited;
    return { code, ...started.output() };
  } finally {
    clearTimeout(timer);
  }
}

/** `tsx src/cli/main.ts <args>` with exactly `env`. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return run(TSX, ['src/cli/main.ts', ...args], env);
}

/** Kills the process group of every command started here that has not ended yet (for `afterEach`). */
export function killRunning(): void {
  for (const child of running) killGroup(child);
  running.clear();
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Awaits the command, expects exit code 0 and parses its stdout as JSON. */
export async function json<T>(result: Promise<CliResult>): Promise<T> {
  const { code, stdout, stderr } = await result;
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as T;
}
