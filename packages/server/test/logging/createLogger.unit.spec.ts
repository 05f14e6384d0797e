import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logging/createLogger.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', stream }) };
}

describe('the service logger', () => {
  it('logs a request path and its parameter names but never the query values', () => {
    const { lines, logger } = capture();
    logger.info({ req: { method: 'GET', url: '/v1/events?actorId=ana%40example.com&tag=a&tag=b', id: 'r1' } }, 'incoming request');
    const line = JSON.parse(lines[0]!) as { req: { url: string; queryParams: string[] } };
    expect(line.req.url).toBe('/v1/events');
    expect(line.req.queryParams).toEqual(['actorId', 'tag']);
    expect(lines[0]).not.toContain('example.com');
  });

  it('redacts API keys and authorization headers wherever code logs them', () => {
    const { lines, logger } = capture();
    logger.info({ headers: { authorization: 'Bearer vk_secret_value', 'x-api-key': 'vk_other_secret' } }, 'headers');
    expect(lines[0]).not.toContain('vk_secret_value');
    expect(lines[0]).not.toContain('vk_other_secret');
  });
});
