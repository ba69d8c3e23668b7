/**
 * Seed compatibility: `tsx scripts/ai-dlq-replay.ts --list | --stats | <jobId> [arguments]` runs
 * `breakwater dlq list`, `dlq stats` or `dlq replay <jobId>` (src/cli/main.ts) with the arguments
 * that follow (`--json`, `--reason <r>`, …), with the same output and exit codes.
 */
import { runCli } from '../src/cli/main';

const USAGE = [
  'Usage: tsx scripts/ai-dlq-replay.ts --list [arguments]    = breakwater dlq list',
  '       tsx scripts/ai-dlq-replay.ts --stats [arguments]   = breakwater dlq stats',
  '       tsx scripts/ai-dlq-replay.ts <jobId> [arguments]   = breakwater dlq replay <jobId>',
  '',
  "Run 'breakwater dlq <command> --help' for the arguments of each.",
].join('\n');

/** The `breakwater` arguments the seed's arguments stand for; undefined when they stand for none. */
function translate(argv: readonly string[]): string[] | undefined {
  const [first, ...rest] = argv;
  if (first === '--list') return ['dlq', 'list', ...rest];
  if (first === '--stats') return ['dlq', 'stats', ...rest];
  if (first !== undefined && !first.startsWith('-')) return ['dlq', 'replay', first, ...rest];
  return undefined;
}

const argv = process.argv.slice(2);
const translated = translate(argv);
if (translated) {
  runCli(translated);
} else if (argv[0] === '--help' || argv[0] === '-h') {
  console.log(USAGE);
} else {
  console.error(
    `ai-dlq-replay: ${argv[0] === undefined ? 'missing --list, --stats or <jobId>' : `unknown argument '${argv[0]}'`}\n\n${USAGE}`,
  );
  process.exitCode = 2;
}
