/** The options several commands share. */
import { Option } from 'commander';

/** `--json`: every command that prints something takes it. */
export function jsonOption(): Option {
  return new Option('--json', 'print JSON only, on stdout');
}

/** The parsed options of a command whose only option is `--json`. */
export interface JsonOptions {
  json?: true;
}
