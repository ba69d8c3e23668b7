/** The real `temporal` CLI against the shared stack's dev server, as an operator runs it. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { inject } from 'vitest';

const run = promisify(execFile);

/** `temporal workflow <command> --address … --namespace … <args>`; resolves to its stdout. */
export async function temporalWorkflow(command: string, ...args: string[]): Promise<string> {
  const stack = inject('stack');
  const { stdout } = await run(
    stack.temporalCli,
    ['workflow', command, '--address', stack.temporalAddress, '--namespace', stack.namespace, ...args],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

/** `temporal workflow count --query <query>`: the count it prints. */
export async function temporalWorkflowCount(query: string): Promise<number> {
  const stdout = await temporalWorkflow('count', '--query', query, '--output', 'json');
  // A count of 0 is left out of the JSON, as proto3 does.
  return Number((JSON.parse(stdout) as { count?: string }).count ?? 0);
}
