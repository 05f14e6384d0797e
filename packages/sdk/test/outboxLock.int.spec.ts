/**
 * One outbox file, one writer: a second client in this process or another process is refused with a clear
 * error, and a killed owner leaves no stale lock.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient, VellumOutboxLockedError } from '../src/index.ts';
import { killRecorders, runRecorder } from './support/runRecorder.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'vellum-sdk-lock-'));
afterEach(killRecorders); // a failed expectation would otherwise leave the holder running, and the file locked
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// Nothing has to listen: these clients never get to send.
const url = 'http://127.0.0.1:9';

describe('the outbox lock', () => {
  it('refuses a second client on the same file in the same process', async () => {
    const file = path.join(dir, 'same-process.db');
    const first = createClient({ url, apiKey: 'k', outbox: file });
    expect(() => createClient({ url, apiKey: 'k', outbox: file })).toThrow(VellumOutboxLockedError);
    await first.close({ timeoutMs: 0 });
    const reopened = createClient({ url, apiKey: 'k', outbox: file });
    await reopened.close({ timeoutMs: 0 });
  });

  it('refuses another process while one holds the file, and frees it when that process is killed', { timeout: 90_000 }, async () => {
    const file = path.join(dir, 'two-processes.db');
    const holder = runRecorder([url, 'k', file, 'lock', '0', '0', 'hold']);
    await holder.waitFor(/^open$/m);
    const second = runRecorder([url, 'k', file, 'lock', '0', '0', 'hold']);
    await second.waitFor(/^error /m);
    expect(second.output()).toMatch(/VellumOutboxLockedError: The outbox .*two-processes\.db is in use by another process/);
    expect(await second.exited).toBe(3);
    expect(() => createClient({ url, apiKey: 'k', outbox: file })).toThrow(/in use by another process/);

    await holder.kill9();
    const after = createClient({ url, apiKey: 'k', outbox: file });
    await after.close({ timeoutMs: 0 });
  });
});
