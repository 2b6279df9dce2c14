/** A group of commands (`whisker session …`): one file under `cli/commands/`, listed once in `index.ts`. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

export interface CommandGroup {
  name: string;
  register(program: Command, context: CliContext): void;
}
