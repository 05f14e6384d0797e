import { createRequire } from 'node:module';

/** The server package's version, for the OpenAPI document and `vellum --version`. */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
