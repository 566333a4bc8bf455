/** `deepts lab`: starts the local web server of the lab page (src/io/lab-server.ts) and opens it. */
import { spawn } from 'node:child_process';
import { startLabServer } from '../../io/lab-server.js';
import { defineCommand } from '../command.js';
import type { OptionSpecs, OptionsOf } from '../args.js';

export const labOptions = {
  port: { type: 'int', default: 8642, min: 0, help: 'port to listen on (0 picks a free one)' },
  host: { type: 'string', help: 'interface to bind (default 127.0.0.1, this computer only); e.g. 0.0.0.0 lets others connect' },
  'no-open': { type: 'flag', help: 'do not open a browser, only print the URL' },
} as const satisfies OptionSpecs;

/** Opens the URL in the desktop's browser; never fails the command (no desktop: the URL is printed anyway). */
function openBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // no opener installed
  }
}

export async function runLab(o: OptionsOf<typeof labOptions>): Promise<void> {
  const host = o.host;
  const lab = await startLabServer({ port: o.port, ...(host !== undefined ? { host } : {}) });
  console.log(`deepts lab: ${lab.url}${host !== undefined ? `  (bound to ${host}: other computers may connect)` : ''}`);
  if (!lab.starterModels) console.log('No starter models (`npm install` in a deepts clone trains them): train one in the page, or load one saved by `deepts classify` / `deepts autoencoder`.');
  console.log('Press Ctrl+C to stop.');
  if (!o.noOpen) openBrowser(lab.url);
  await new Promise<void>((ok) => {
    const stop = (): void => void lab.close().then(ok);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export const command = defineCommand({
  summary: 'open the lab page: draw a digit, watch a network learn, the lecture with live demos',
  usage: 'deepts lab [--port N] [--no-open] [--host ADDRESS]',
  maxPositional: 0,
  options: labOptions,
  run: (o) => runLab(o),
});
