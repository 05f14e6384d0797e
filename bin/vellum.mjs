#!/usr/bin/env node
// The `vellum` command. Sources are TypeScript run through tsx, so there is no build step between
// `npm ci` and a working server.
import { register } from 'tsx/esm/api';

register();
await import('../packages/server/src/cli/main.ts');
