/**
 * A minimal HTTP/1.1 keep-alive client over one socket: writes pre-built request bytes and parses only the
 * status line and Content-Length or chunked framing. On two cores the load generator shares the CPU with
 * the server under test, so `--client raw` runs the same load on this near-zero-overhead client to check
 * that undici's own cost is not what limits a figure. Measured against the echo server it cost ~125-170 µs
 * per 100-event request vs undici's ~165-290, and about the same as undici for single events (~30 µs).
 * Loopback only, one request in flight per connection (closed loop).
 */
import net from 'node:net';

export interface RawResponse {
  status: number;
  /** The raw header block (only looked at for Retry-After). */
  head: string;
  body: Buffer;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

export class RawHttpConnection {
  #socket: net.Socket | null = null;
  #buffer: Buffer = Buffer.alloc(0);
  #pending: { resolve: (r: RawResponse) => void; reject: (e: Error) => void } | null = null;

  constructor(private readonly host: string, private readonly port: number) {}

  async #connect(): Promise<net.Socket> {
    if (this.#socket && !this.#socket.destroyed) return this.#socket;
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    const fail = (err: Error) => {
      this.#socket = null;
      this.#buffer = Buffer.alloc(0);
      const p = this.#pending;
      this.#pending = null;
      p?.reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed by server')));
    this.#socket = socket;
    return socket;
  }

  /** `head` is the request line and headers without Content-Length; the body's length is added here. */
  async request(head: string, body?: Buffer): Promise<RawResponse> {
    if (this.#pending) throw new Error('one request at a time per connection');
    const socket = await this.#connect();
    return new Promise<RawResponse>((resolve, reject) => {
      this.#pending = { resolve, reject };
      const bytes = Buffer.from(`${head}content-length: ${body?.length ?? 0}\r\n\r\n`);
      socket.write(body ? Buffer.concat([bytes, body]) : bytes);
    });
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    const parsed = parseResponse(this.#buffer);
    if (!parsed) return;
    this.#buffer = this.#buffer.subarray(parsed.consumed);
    const p = this.#pending;
    this.#pending = null;
    p?.resolve(parsed.response);
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = null;
  }
}

/** A complete response at the start of `buf`, or null when more bytes are needed. */
export function parseResponse(buf: Buffer): { response: RawResponse; consumed: number } | null {
  const end = buf.indexOf(CRLFCRLF);
  if (end < 0) return null;
  const head = buf.toString('latin1', 0, end);
  const status = Number(head.slice(9, 12));
  const start = end + 4;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) {
    const n = Number(length[1]);
    if (buf.length < start + n) return null;
    return { response: { status, head, body: buf.subarray(start, start + n) }, consumed: start + n };
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const parts: Buffer[] = [];
    let at = start;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at);
      if (lineEnd < 0) return null;
      const size = parseInt(buf.toString('latin1', at, lineEnd), 16);
      if (buf.length < lineEnd + 2 + size + 2) return null;
      if (size === 0) return { response: { status, head, body: Buffer.concat(parts) }, consumed: lineEnd + 4 };
      parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  // No body framing: 204/304 or a body-less answer.
  return { response: { status, head, body: Buffer.alloc(0) }, consumed: start };
}
