/** Placeholder: `deepts mle` is being written (see the issues). Replaced by its real implementation. */
import type { Command } from '../command.js';

export const command: Command = {
  summary: '(not available yet)',
  usage: 'deepts mle',
  options: {},
  run: async () => {
    throw new Error("'deepts mle' is not available in this build yet");
  },
};
