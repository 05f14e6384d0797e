/**
 * The SSE parser behind client.live(): the same frames whatever the chunk boundaries (inside a field name, a
 * value, between \r and \n, one character at a time), multi-line data, comments left out of the messages.
 */
import { describe, expect, it } from 'vitest';
import { SseParser } from '../src/read/liveEvents.ts';
import type { SseMessage } from '../src/read/liveEvents.ts';

const STREAM =
  ': vellum live stream, after position 41\nretry: 2000\n\n' +
  'id: 42\nevent: audit\ndata: {"position":42,"type":"a.b"}\n\n' +
  ': heartbeat\n\n' +
  'id: 43\r\nevent: audit\r\ndata: {"position":43,\r\ndata: "type":"c.d"}\r\n\r\n' +
  'event: closed\rdata: {"reason":"lagging","resumeFrom":50}\r\r';

const EXPECTED: SseMessage[] = [
  { event: 'audit', id: '42', data: '{"position":42,"type":"a.b"}' },
  { event: 'audit', id: '43', data: '{"position":43,\n"type":"c.d"}' },
  { event: 'closed', id: undefined, data: '{"reason":"lagging","resumeFrom":50}' },
];

function parse(chunks: string[]): { messages: SseMessage[]; comments: string[] } {
  const comments: string[] = [];
  const parser = new SseParser((c) => comments.push(c));
  const messages = chunks.flatMap((c) => parser.push(c));
  return { messages, comments };
}

describe('SseParser', () => {
  it('parses a whole stream in one chunk', () => {
    const { messages, comments } = parse([STREAM]);
    expect(messages).toEqual(EXPECTED);
    expect(comments).toEqual(['vellum live stream, after position 41', 'heartbeat']);
  });

  it('gives the same messages for every split into two chunks', () => {
    for (let at = 0; at <= STREAM.length; at++) {
      expect(parse([STREAM.slice(0, at), STREAM.slice(at)]).messages, `split at ${at}`).toEqual(EXPECTED);
    }
  });

  it('gives the same messages one character at a time', () => {
    const { messages, comments } = parse([...STREAM]);
    expect(messages).toEqual(EXPECTED);
    expect(comments).toHaveLength(2);
  });

  it('does not emit a message before its blank line, and takes a \\r at the end of a chunk and a \\n opening the next as one line end', () => {
    const parser = new SseParser();
    expect(parser.push('event: audit\ndata: {"position":1}\n')).toEqual([]);
    expect(parser.push('\r')).toEqual([{ event: 'audit', id: undefined, data: '{"position":1}' }]);
    // The \n after that \r is the same line end, not a second (empty) line.
    expect(parser.push('\ndata: x\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'message', id: undefined, data: 'x' }]);
  });

  it('ignores comments, frames without data, unknown fields and retry; keeps a value without the leading space only once', () => {
    const parser = new SseParser();
    const out = parser.push(':only a comment\n\nevent: audit\nid: 7\n\nfoo: bar\nretry: 10\ndata:  two spaces\ndata\n\n');
    expect(out).toEqual([{ event: 'message', id: undefined, data: ' two spaces\n' }]);
  });
});
