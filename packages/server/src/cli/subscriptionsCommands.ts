import type { Command } from 'commander';
import type { CliIO } from './CliIO.ts';

/** `vellum subscriptions ...`. Placeholder until it is built. */
export function addSubscriptionsCommands(_program: Command, _io: CliIO): void {}
