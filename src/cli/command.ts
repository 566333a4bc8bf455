import type { OptionSpecs, ParsedOptions } from './args.js';

/** One `deepts <name>` subcommand; each lives in src/cli/commands/<name>.ts and exports `command`. */
export interface Command {
  /** One line for `deepts --help`. */
  summary: string;
  usage: string;
  options: OptionSpecs;
  run(options: ParsedOptions, positional: string[]): Promise<void>;
}
