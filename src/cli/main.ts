#!/usr/bin/env node
/** The deepts command line: `npx deepts <command> [options]`. */
import { parseArgs, helpText, UsageError, type OptionSpecs } from './args.js';
import type { Command } from './command.js';

/** Command name → its module (loaded lazily so `deepts info` does not load MNIST code, etc.). */
const commands: Record<string, () => Promise<{ command: Command }>> = {
  autoencoder: () => import('./commands/autoencoder.js'),
  classify: () => import('./commands/classify.js'),
  cnn: () => import('./commands/cnn.js'),
  denoise: () => import('./commands/denoise.js'),
  predict: () => import('./commands/predict.js'),
  regress: () => import('./commands/regress.js'),
  mle: () => import('./commands/mle.js'),
  linreg: () => import('./commands/linreg.js'),
  lab: () => import('./commands/lab.js'),
  explore: () => import('./commands/explore.js'),
  export: () => import('./commands/export.js'),
  info: () => import('./commands/info.js'),
  'build-native': () => import('./commands/build-native.js'),
};

async function mainHelp(): Promise<string> {
  const lines: string[] = [];
  for (const [name, load] of Object.entries(commands)) lines.push(`  ${name.padEnd(14)} ${(await load()).command.summary}`);
  return `deepts — deep learning in TypeScript with the Keras API\n\nUsage: npx deepts <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'npx deepts <command> --help' for a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(await mainHelp());
    return name ? 0 : 1;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`deepts: unknown command '${name}'\n\n${await mainHelp()}`);
    return 2;
  }
  const cmd = (await load()).command;
  const specs: OptionSpecs = { ...cmd.options, help: { type: 'flag', help: 'show this help' } };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(rest, specs);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`deepts ${name}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (parsed.options['help']) {
    process.stdout.write(helpText(`Usage: ${cmd.usage}`, cmd.summary, specs));
    return 0;
  }
  if (cmd.maxPositional !== undefined && parsed.positional.length > cmd.maxPositional) {
    const extra = parsed.positional.slice(cmd.maxPositional).map((a) => `'${a}'`).join(' ');
    const takes = cmd.maxPositional === 0 ? 'takes no arguments besides options' : `takes at most ${cmd.maxPositional} argument${cmd.maxPositional === 1 ? '' : 's'} besides options`;
    process.stderr.write(`deepts ${name}: unexpected argument${parsed.positional.length - cmd.maxPositional === 1 ? '' : 's'} ${extra}: ${name} ${takes} (usage: ${cmd.usage}; options start with --)\n`);
    return 2;
  }
  try {
    await cmd.run(parsed.options, parsed.positional);
  } catch (e) {
    // A usage mistake found by the command itself (a missing required option) exits 2 like a parse error.
    if (e instanceof UsageError) {
      process.stderr.write(`deepts ${name}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    process.stderr.write(`deepts: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env['DEEPTS_DEBUG'] && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exitCode = 1;
  },
);
