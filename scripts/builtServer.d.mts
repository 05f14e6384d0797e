// Types for builtServer.mjs (plain JavaScript, so that bin/vellum.mjs can use it before any TypeScript loader exists).
export declare const ROOT: string;
export declare const DIST: string;
export declare const STAMP_FILE: string;
export declare const SOURCES: readonly string[];
export declare function builtServerIsFresh(root?: string, dist?: string): boolean;
