import type { Command } from 'commander';
import type { CliIO } from './CliIO.ts';

/** `vellum retention ...`. Placeholder until it is built. */
export function addRetentionCommands(_program: Command, _io: CliIO): void {}
