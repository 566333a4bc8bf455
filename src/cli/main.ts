#!/usr/bin/env node
/** The deepts command line: `npx deepts <command> [options]`. */
import { parseArgs, helpText, UsageError, type OptionSpecs, type ParsedOptions } from './args.js';

interface Command {
  summary: string;
  usage: string;
  options: OptionSpecs;
  run(options: ParsedOptions, positional: string[]): Promise<void>;
}

const commands: Record<string, () => Promise<Command>> = {
  autoencoder: async () => {
    const m = await import('./commands/autoencoder.js');
    return { summary: "train the lecture's MNIST autoencoder and draw its reconstructions", usage: 'deepts autoencoder [options]', options: m.autoencoderOptions, run: (o) => m.runAutoencoder(o) };
  },
  info: async () => {
    const m = await import('./commands/info.js');
    return { summary: 'show the backend, CPU features and threads', usage: 'deepts info', options: {}, run: () => m.runInfo() };
  },
};

function mainHelp(): string {
  const lines = Object.entries(commandSummaries).map(([name, s]) => `  ${name.padEnd(14)} ${s}`);
  return `deepts — deep learning in TypeScript with the Keras API\n\nUsage: npx deepts <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'npx deepts <command> --help' for a command's options.\n`;
}

const commandSummaries: Record<string, string> = {
  autoencoder: "train the lecture's MNIST autoencoder, save reconstructions and loss curves",
  info: 'show the backend, CPU features and threads',
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp());
    return name ? 0 : 1;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`deepts: unknown command '${name}'\n\n${mainHelp()}`);
    return 2;
  }
  const cmd = await load();
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
  await cmd.run(parsed.options, parsed.positional);
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
