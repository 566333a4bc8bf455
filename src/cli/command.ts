import type { OptionSpecs, OptionsOf } from './args.js';

/** One `deepts <name>` subcommand; each lives in src/cli/commands/<name>.ts and exports `command`. */
export interface Command<S extends OptionSpecs = OptionSpecs> {
  /** One line for `deepts --help`. */
  summary: string;
  usage: string;
  options: S;
  /** How many positional arguments the command takes at most; more are an error naming them (left out: any number). */
  maxPositional?: number;
  /** Method syntax on purpose: a Command<S> is usable where a Command (any specs) is expected. */
  run(options: OptionsOf<S>, positional: string[]): Promise<void>;
}

/** Declares a command with its options typed from its spec table (declare that `as const satisfies OptionSpecs`). */
export function defineCommand<S extends OptionSpecs>(command: Command<S>): Command<S> {
  return command;
}
