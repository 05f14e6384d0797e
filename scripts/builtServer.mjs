// Where the compiled server lives and whether it may be run: it must have been built after the last change to any
// source it was built from. Shared by scripts/build.mjs (which writes it) and bin/vellum.mjs (which chooses it).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'packages/server/dist');
/** Written last by a build, beside it: when it started (ms since the epoch), so a file saved during the build counts as newer. */
export const STAMP_FILE = 'build.json';
/** What the compiled server is made of: the workspace's own sources and manifests (third-party code stays in node_modules). */
export const SOURCES = ['packages/core/src', 'packages/server/src', 'packages/core/package.json', 'packages/server/package.json'];

/** The newest modification time (ms) under `path`, directories included (adding or deleting a file changes its directory). */
function newestChange(path) {
  const stat = statSync(path);
  let newest = stat.mtimeMs;
  if (stat.isDirectory()) for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
}

/**
 * True when a build exists in `dist` and none of `root`'s SOURCES changed since it started. A missing or unreadable
 * stamp is never fresh.
 */
export function builtServerIsFresh(root = ROOT, dist = DIST) {
  let startedAt;
  try {
    startedAt = JSON.parse(readFileSync(join(dist, STAMP_FILE), 'utf8')).startedAt;
  } catch {
    return false;
  }
  if (typeof startedAt !== 'number') return false;
  return SOURCES.every((source) => newestChange(join(root, source)) < startedAt);
}
