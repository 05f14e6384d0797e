import serverPackage from '../package.json' with { type: 'json' };

/** The server package's version, for the OpenAPI document and `vellum --version`. Compiled into a build. */
export const VERSION: string = serverPackage.version;
