/** `deepts build-native`: builds the native addon when npm did not run deepts' install script. */
import { buildNative } from '../../backend/native/build.js';
import { defineCommand } from '../command.js';

export const command = defineCommand({
  summary: 'build the native CPU backend (when npm skipped install scripts)',
  usage: 'deepts build-native',
  maxPositional: 0,
  options: {},
  run: async () => {
    const ok = await buildNative();
    if (!ok) throw new Error('the native build failed (see above); deepts keeps working on the WASM backend');
  },
});
