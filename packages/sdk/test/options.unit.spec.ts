import { describe, expect, it } from 'vitest';
import { createClient, VellumOptionsError } from '../src/index.ts';

describe('createClient options', () => {
  it('lists every bad option at once, with its path', () => {
    let error: VellumOptionsError | undefined;
    try {
      createClient({ url: 'ftp://x', apiKey: '', batchSize: 0, retry: { baseMs: -1, bogus: 1 } as never, outbox: ':memory:', colour: 'red' } as never);
    } catch (e) {
      error = e as VellumOptionsError;
    }
    expect(error).toBeInstanceOf(VellumOptionsError);
    expect(error!.details.map((d) => d.path).sort()).toEqual(['/apiKey', '/batchSize', '/colour', '/outbox', '/retry/baseMs', '/retry/bogus', '/url']);
  });

  it('refuses a bad masking rule at creation, not at the first record()', () => {
    expect(() => createClient({ url: 'http://127.0.0.1:9', apiKey: 'k', masking: { rules: [{ key: '/(/' }] } })).toThrow(/masking/);
  });

  it('never puts the API key in an error message', () => {
    const secret = 'vk_super_secret_value_123';
    try {
      createClient({ url: 'nope', apiKey: secret, batchSize: -1 });
    } catch (e) {
      expect((e as Error).message).not.toContain(secret);
    }
  });
});
