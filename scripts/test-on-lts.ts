/**
 * `npm test`'s second run, on the current Node LTS that the setup step installed (Node 20, this
 * machine's, reached its end of life; users run the LTS lines): the unit suite and the integration
 * files that run Breakwater's own processes end to end (a worker, the plugin, the client's TLS and
 * encryption, streams and both official SDKs). The package test already installs the tarball on
 * Node 22, 24 and 26. `npm run test:lts -- <files or filters>` runs those instead, `--all` the
 * whole suite. Where no LTS could be installed (not Linux x64), it says so and passes.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { CURRENT_LTS_NODE_VERSION, PROJECT_ROOT, resolveLtsNode } from '../src/testing/toolchain';

const END_TO_END_ON_LTS = [
  'test/unit',
  'test/integration/task-lifecycle.test.ts',
  'test/integration/worker-main.test.ts',
  'test/integration/breakwater-plugin.test.ts',
  'test/integration/official-sdks.test.ts',
  'test/integration/streaming.test.ts',
  'test/integration/ai-sdk-agent.test.ts',
  'test/integration/payload-encryption.test.ts',
  'test/integration/secure-connections.test.ts',
  'test/integration/health.test.ts',
];

const node = resolveLtsNode();
if (!node) {
  console.error(
    `test: no Node ${CURRENT_LTS_NODE_VERSION} in .tools (Linux x64 only): the suite ran on ${process.version} only`,
  );
  process.exit(0);
}
const asked = process.argv.slice(2);
const files = asked.length === 0 ? END_TO_END_ON_LTS : asked.filter((arg) => arg !== '--all');
console.error(
  `test: ${asked.length === 0 ? 'the unit suite and the end-to-end files' : 'the suite'} again on Node ${CURRENT_LTS_NODE_VERSION}`,
);
const vitest = join(PROJECT_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const result = spawnSync(node, [vitest, 'run', ...files], {
  stdio: 'inherit',
  env: { ...process.env, PATH: `${dirname(node)}:${process.env.PATH ?? ''}` },
});
process.exit(result.status ?? 1);
