/** Placeholder: `deepts regress` is being written (see the issues). Replaced by its real implementation. */
import type { Command } from '../command.js';

export const command: Command = {
  summary: '(not available yet)',
  usage: 'deepts regress',
  options: {},
  run: async () => {
    throw new Error("'deepts regress' is not available in this build yet");
  },
};
