import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/store/createMemoryStore.ts';
import type { VellumStore } from '../../src/store/VellumStore.ts';
import { makeTestApp } from '../support/testApp.ts';
import { eventually, ingest, integrityConfig } from './integritySupport.ts';

describe('integrity on shutdown', () => {
  it('finishes the chunk in hand and stops before the store closes (onClose runs in reverse registration order)', async () => {
    const inner = createMemoryStore();
    const calls: string[] = [];
    let inFlight = 0;
    let closed = false;
    // A slow disk: each advance takes 150 ms, so the close below lands in the middle of one.
    const store: VellumStore = {
      ...inner,
      advanceTree: async (tenant, fromSize, next, nodes) => {
        inFlight++;
        calls.push(`advance ${fromSize}→${next.size}${closed ? ' AFTER CLOSE' : ''}`);
        await new Promise((r) => setTimeout(r, 150));
        try {
          return await inner.advanceTree(tenant, fromSize, next, nodes);
        } finally {
          inFlight--;
        }
      },
      close: async () => {
        calls.push(`store closed with ${inFlight} advance(s) in flight`);
        closed = true;
        await inner.close();
      },
    };
    const t = await makeTestApp({ store, config: { logLevel: 'warn', integrity: integrityConfig() } });
    await ingest(t.app, 'default', 50);
    await eventually(async () => (inFlight > 0 ? true : undefined), 'an advance in flight');
    await t.app.close();
    expect(calls.at(-1)).toBe('store closed with 0 advance(s) in flight');
    expect(calls.filter((c) => c.includes('AFTER CLOSE'))).toEqual([]);
    expect(t.logs.filter((line) => JSON.parse(line).level >= 50)).toEqual([]);
  });
});
