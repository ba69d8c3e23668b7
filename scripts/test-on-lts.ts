/**
 * `npm test`'s second run: the whole suite again on the current Node LTS that the setup step
 * installed (Node 20, this machine's, reached its end of life; users run the LTS lines).
 * Where no LTS could be installed (not Linux x64), it says so and passes.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { CURRENT_LTS_NODE_VERSION, PROJECT_ROOT, resolveLtsNode } from '../src/testing/toolchain';

const node = resolveLtsNode();
if (!node) {
  console.error(
    `test: no Node ${CURRENT_LTS_NODE_VERSION} in .tools (Linux x64 only): the suite ran on ${process.version} only`,
  );
  process.exit(0);
}
console.error(`test: the suite again on Node ${CURRENT_LTS_NODE_VERSION}`);
const vitest = join(PROJECT_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const result = spawnSync(node, [vitest, 'run', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, PATH: `${dirname(node)}:${process.env.PATH ?? ''}` },
});
process.exit(result.status ?? 1);
