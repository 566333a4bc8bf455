/** A small, strict command-line option parser: unknown options and bad values are errors. */
export type OptionType = 'int' | 'number' | 'string' | 'flag';

export interface OptionSpec {
  type: OptionType;
  help: string;
  default?: number | string | boolean;
  /** Smallest allowed value for numbers. */
  min?: number;
  choices?: readonly string[];
}

export type OptionSpecs = Record<string, OptionSpec>;
export type ParsedOptions = Record<string, number | string | boolean | undefined>;

/** 'batch-size' → 'batchSize', at the type level (parseArgs does the same to the keys). */
type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;
type ValueOf<S extends OptionSpec> =
  S['type'] extends 'flag' ? boolean
    : S['type'] extends 'string' ? (S extends { choices: readonly (infer C extends string)[] } ? C : string)
      : number;

/**
 * The parsed options of a spec table, typed: `--batch-size <n>` with a default is `batchSize: number`,
 * a string option with choices is the union of the choices, an option without a default may be undefined.
 * Declare the table `as const satisfies OptionSpecs` so the literal types survive.
 */
export type OptionsOf<S extends OptionSpecs> = {
  readonly [K in keyof S & string as CamelCase<K>]: S[K] extends { default: number | string | boolean } ? ValueOf<S[K]> : ValueOf<S[K]> | undefined;
};

export class UsageError extends Error {}

const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Parses `--name value`, `--name=value` and `--flag`; returns options (camelCase keys) and positional args. */
export function parseArgs<S extends OptionSpecs>(argv: readonly string[], specs: S): { options: OptionsOf<S>; positional: string[] } {
  const options: ParsedOptions = {};
  const positional: string[] = [];
  for (const [name, spec] of Object.entries(specs)) options[camel(name)] = spec.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option '${arg}' (options start with --; see --help)`);
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const spec = specs[name];
    if (!spec) {
      const known = Object.keys(specs).map((k) => `--${k}`).join(', ');
      throw new UsageError(`unknown option '--${name}' (known: ${known})`);
    }
    if (spec.type === 'flag') {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
      options[camel(name)] = true;
      continue;
    }
    const raw = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (raw === undefined || (eq < 0 && raw.startsWith('--'))) throw new UsageError(`option --${name} needs a value`);
    options[camel(name)] = convert(name, spec, raw);
  }
  // The loop above fills every key of S (camelCased) with a value of its spec's type: OptionsOf<S>.
  return { options: options as OptionsOf<S>, positional };
}

function convert(name: string, spec: OptionSpec, raw: string): number | string {
  if (spec.type === 'string') {
    if (spec.choices && !spec.choices.includes(raw)) throw new UsageError(`--${name} must be one of ${spec.choices.join(', ')}, got '${raw}'`);
    return raw;
  }
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name} needs a number, got '${raw}'`);
  if (spec.type === 'int' && !Number.isInteger(v)) throw new UsageError(`--${name} needs a whole number, got '${raw}'`);
  if (spec.min !== undefined && v < spec.min) throw new UsageError(`--${name} must be at least ${spec.min}, got ${raw}`);
  return v;
}

export function helpText(usage: string, description: string, specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const left = `  --${name}${s.type === 'flag' ? '' : ` <${s.type === 'string' ? (s.choices ? s.choices.join('|') : 'value') : 'n'}>`}`;
    const def = s.default !== undefined && s.type !== 'flag' ? ` (default: ${s.default})` : '';
    return `${left.padEnd(30)} ${s.help}${def}`;
  });
  return `${usage}\n\n${description}\n\nOptions:\n${rows.join('\n')}\n`;
}
