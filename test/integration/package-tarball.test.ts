/**
 * The package as a user gets it: `npm pack`, then the tarball installed into two scratch
 * applications (TypeScript ESM with `BreakwaterPlugin`, plain JavaScript CommonJS with
 * `createWorker`), each running a Breakwater task and a workflow of its own to DONE on the suite's
 * stack, and running the `breakwater` bin from `node_modules/.bin`; the CommonJS one on Node 22 and
 * 24 too.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Redis from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BreakerStatus } from '../../src/breaker/types';
import { KeySpace } from '../../src/redis/keys';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { FAKE_MODEL_PRICES } from '../../src/testing/stack-config';
import { LTS_NODE_VERSIONS, PROJECT_ROOT, resolveLtsNode } from '../../src/testing/toolchain';
import { json, killRunning, run, type CliResult } from '../support/cli';
import { FAST_POLICY_ENV, startFakeProvider, uniqueName } from '../support/harness';
import { readmeExample } from '../support/readme';
import { workflowBundleOf } from '../support/workflow-bundle';

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures');
const INSTALL_TIMEOUT_MS = 240_000;

interface PackedFile {
  path: string;
}
interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  files: PackedFile[];
}
interface AppSummary {
  task: string;
  text: string;
  title: string;
  providerCalls?: number;
  node?: string;
}

let workDir: string;
let packed: Packed;
let fakeProvider: FakeProvider;
const apps = { esm: '', cjs: '' };

/** Runs `command` to its end with a longer limit than the CLI helper's (installs take a while). */
async function runLong(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = await run(command, args, { ...process.env, ...env } as Record<string, string>, {
    cwd,
    timeoutMs: INSTALL_TIMEOUT_MS,
  });
  expect(result.code, `${command} ${args.join(' ')}\n${result.stderr}`).toBe(0);
  return result;
}

async function scratchApp(fixture: string, tarball: string): Promise<string> {
  const dir = join(workDir, fixture);
  cpSync(join(FIXTURES, fixture), dir, { recursive: true });
  const ours = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: fixture,
      private: true,
      ...(fixture.includes('esm') ? { type: 'module' } : {}),
      dependencies: {
        breakwater: `file:${tarball}`,
        '@temporalio/client': ours.dependencies['@temporalio/client'],
        '@temporalio/worker': ours.dependencies['@temporalio/worker'],
      },
    }),
  );
  await runLong('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], dir);
  return dir;
}

/** What every app's process is given: the suite's stack, a queue and key prefix of its own, fast retries. */
function appEnv(label: string): Record<string, string> {
  const stack = inject('stack');
  return {
    ...FAST_POLICY_ENV,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: stack.namespace,
    REDIS_URL: stack.redisUrl,
    TEMPORAL_TASK_QUEUE: uniqueName(label),
    REDIS_KEY_PREFIX: uniqueName(label),
    MODEL_PRICES: FAKE_MODEL_PRICES,
    LOG_LEVEL: 'warn',
  };
}

function fakeProviderEnv(scenario: string): Record<string, string> {
  return {
    LLM_PROVIDERS: 'fake',
    LLM_FAKE_BASE_URL: fakeProvider.scenario(scenario).openAiBaseUrl,
    LLM_FAKE_API_KEY: 'sk-fake-local-key-000000000000',
  };
}

function summaryOf(result: CliResult): AppSummary {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as AppSummary;
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'breakwater-package-'));
  fakeProvider = await startFakeProvider();
  const pack = await runLong('npm', ['pack', '--json', '--pack-destination', workDir], PROJECT_ROOT);
  packed = (JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as Packed[])[0]!;
  const tarball = join(workDir, packed.filename);
  [apps.esm, apps.cjs] = await Promise.all([
    scratchApp('consumer-esm-ts', tarball),
    scratchApp('consumer-cjs', tarball),
  ]);
  // The README's "Install in your application", as written, beside the fixture's own files.
  mkdirSync(join(apps.esm, 'src', 'readme'));
  writeFileSync(join(apps.esm, 'src', 'readme', 'worker.ts'), readmeExample('install-worker'));
  writeFileSync(join(apps.esm, 'src', 'readme', 'workflows.ts'), readmeExample('install-workflows'));
  await runLong(process.execPath, [join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc')], apps.esm);
}, 2 * INSTALL_TIMEOUT_MS);

afterEach(() => killRunning());

afterAll(async () => {
  await fakeProvider?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('the tarball', () => {
  it('holds the build, its declarations, the Lua library and the docs, and no sources or tests', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toContain('dist/src/index.js');
    expect(paths).toContain('dist/src/index.d.ts');
    expect(paths).toContain('dist/workflows/index.js');
    expect(paths).toContain('dist/src/redis/lua/admit-1.lua');
    // The workflow bundle `npm run build` made, which a worker of the package loads instead of bundling.
    expect(paths).toContain('dist/workflows/registered.bundle.js');
    expect(paths).toContain('dist/workflows/registered.bundle.json');
    // And the one with the failure converter of payload encryption, for workers that encrypt.
    expect(paths).toContain('dist/workflows/registered.encryption.bundle.js');
    expect(paths).toContain('README.md');
    const outside = paths.filter(
      (path) => !/^(dist\/|docs\/|README\.md$|package\.json$)/.test(path) || /(?<!\.d)\.ts$/.test(path),
    );
    expect(outside).toEqual([]);
  });

  it('installs a compiled bin with a shebang', () => {
    const bin = join(apps.cjs, 'node_modules', 'breakwater', 'dist', 'src', 'cli', 'main.js');
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(existsSync(join(apps.cjs, 'node_modules', 'tsx'))).toBe(false);
  });
});

describe('breakwater/workflows', () => {
  it('bundles as workflow code: no Node built-in or other disallowed module is reachable from it', async () => {
    const entry = join(apps.esm, 'node_modules', 'breakwater', 'dist', 'workflows', 'index.js');
    const { code } = await workflowBundleOf(entry);
    expect(code).toContain('guardedLlmCall');
  });
});

describe('a TypeScript ESM application', () => {
  it('runs a task and its own guarded workflow to DONE with BreakwaterPlugin', async () => {
    const summary = summaryOf(
      await run(process.execPath, ['dist/main.js'], appEnv('esm-app'), { cwd: apps.esm, timeoutMs: 90_000 }),
    );
    expect(summary).toMatchObject({ task: 'DONE', providerCalls: 2 });
    expect(summary.text).toBeTruthy();
    expect(summary.title).toBeTruthy();
  });
});

describe('the README', () => {
  it('"Install in your application" runs as written from the tarball: a task ends DONE', async () => {
    const openai = fakeProvider.scenario(uniqueName('readme-install'));
    const env = {
      ...appEnv('readme-app'),
      LLM_PROVIDERS: 'openai',
      LLM_OPENAI_BASE_URL: openai.openAiBaseUrl,
      OPENAI_API_KEY: 'sk-readme-install-key-000000000',
    };
    const result = await run(process.execPath, ['dist/readme/worker.js'], env, {
      cwd: apps.esm,
      timeoutMs: 90_000,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^DONE \S/);
    expect(openai.stats.succeeded).toBe(1);
  });
});

describe('a CommonJS application', () => {
  const nodes: Array<[label: string, version: string, path: string | undefined]> = [
    ['this machine’s Node', process.versions.node, process.execPath],
    ...LTS_NODE_VERSIONS.map((version): [string, string, string | undefined] => [
      `Node ${version}`,
      version,
      resolveLtsNode(version),
    ]),
  ];

  it.each(nodes)(
    'runs a task and its own guarded workflow to DONE with createWorker on %s',
    async (_, version, node) => {
      expect(node, 'the setup step installs the LTS Nodes (scripts/setup-tools.ts)').toBeDefined();
      const env = { ...appEnv('cjs-app'), ...fakeProviderEnv(uniqueName('cjs')) };
      const summary = summaryOf(await run(node!, ['main.js'], env, { cwd: apps.cjs, timeoutMs: 90_000 }));
      expect(summary).toMatchObject({ task: 'DONE', node: `v${version}` });
      expect(summary.title).toBeTruthy();
    },
  );

  it.each(nodes)('runs the breakwater bin from node_modules/.bin on %s', async (_, _version, node) => {
    const prefix = uniqueName('cjs-bin');
    const env = {
      REDIS_URL: inject('stack').redisUrl,
      REDIS_KEY_PREFIX: prefix,
      PATH: `${dirname(node!)}:${process.env.PATH ?? ''}`,
    };
    // A worker's first call registers its provider's breaker; the CLI lists that registry.
    const redis = new Redis(env.REDIS_URL);
    try {
      await redis.sadd(new KeySpace(prefix).key('breakerRegistry'), 'fake');
    } finally {
      await redis.quit();
    }
    const bin = join(apps.cjs, 'node_modules', '.bin', 'breakwater');
    const status = await json<BreakerStatus[]>(
      run(bin, ['breaker', 'status', '--json'], env, { cwd: apps.cjs }),
    );
    expect(status.map((entry) => [entry.provider, entry.state])).toEqual([['fake', 'CLOSED']]);
  });
});
