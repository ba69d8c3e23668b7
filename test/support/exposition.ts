/** Reading a Prometheus text exposition the way a scraper does, for tests of `/metrics`. */
import { spawn } from 'node:child_process';

/** The value of the one sample of `text` that `series` names exactly (name and labels), if any. */
export function sampleValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((each) => each.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/**
 * What `promtool check metrics` says about `text` when it cannot parse it (a second `# TYPE` for a
 * name, say); undefined when it parses. Its lint remarks (counter names without `_total`) pass.
 */
export async function expositionError(text: string): Promise<string | undefined> {
  const promtool = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  promtool.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  promtool.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  promtool.stdin.end(text);
  const code = await new Promise<number | null>((resolve, reject) => {
    promtool.once('error', reject);
    promtool.once('close', resolve);
  });
  // 0: clean; 3: lint remarks only; anything else: the exposition does not parse.
  return code === 0 || code === 3 ? undefined : output.trim();
}
