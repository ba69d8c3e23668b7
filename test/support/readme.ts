/** The README's code examples, as the tests run them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/testing/toolchain';

const README = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');

/** The ```ts block that follows `<!-- readme-example:<name> -->`. */
export function readmeExample(name: string): string {
  const marker = README.indexOf(`<!-- readme-example:${name} -->`);
  const block = /```ts\n([\s\S]*?)```/.exec(README.slice(marker));
  if (marker < 0 || !block) throw new Error(`README has no example ${name}`);
  return block[1]!;
}
