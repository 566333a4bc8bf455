/** `deepts info`: which backend runs, and what each available backend reports about the machine. */
import { cpus } from 'node:os';
import { getBackend, listBackends, ownKernels } from '../../index.js';
import { defineCommand } from '../command.js';

export async function runInfo(): Promise<void> {
  const active = getBackend();
  console.log(`deepts backend: ${active.name}`);
  console.log(`CPU: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} logical cores; Node ${process.version}`);
  for (const b of listBackends()) {
    const facts = b.describe?.() ?? {};
    const details = Object.entries(facts).map(([k, v]) => `${k}=${v}`).join(', ');
    console.log(`  ${b === active ? '*' : ' '} ${b.name.padEnd(7)} priority ${b.priority}; own kernels: ${ownKernels(b).length}${details ? `; ${details}` : ''}`);
  }
  console.log('Choose with DEEPTS_BACKEND=js|wasm|native or setBackend(name).');
}

export const command = defineCommand({
  summary: 'show the active backend, CPU features and threads',
  usage: 'deepts info',
  maxPositional: 0,
  options: {},
  run: () => runInfo(),
});
