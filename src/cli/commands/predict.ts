/** Placeholder: `deepts predict` is being written (see the issues). Replaced by its real implementation. */
import type { Command } from '../command.js';

export const command: Command = {
  summary: '(not available yet)',
  usage: 'deepts predict',
  options: {},
  run: async () => {
    throw new Error("'deepts predict' is not available in this build yet");
  },
};
