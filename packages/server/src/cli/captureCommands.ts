import type { Command } from 'commander';
import type { CliIO } from './CliIO.ts';

/** `vellum capture ...`. Placeholder until it is built. */
export function addCaptureCommands(_program: Command, _io: CliIO): void {}
