/**
 * A small HTTP proxy in front of the real server: it keeps every request body it forwards (to prove what left
 * the application) and can answer the next N requests itself with 503 + Retry-After, as an overloaded server or
 * load balancer would. The server behind it is the real one; nothing is mocked about its answers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordingProxy {
  url: string;
  /** Bodies of every request received (forwarded or refused), in order. */
  bodies: string[];
  /** Arrival times (ms) of each request. */
  arrivals: number[];
  /** Answer the next `count` requests with 503 and this Retry-After (seconds). */
  refuseNext(count: number, retryAfterS: number): void;
  close(): Promise<void>;
}

export async function recordingProxy(target: string): Promise<RecordingProxy> {
  let refuse = 0;
  let retryAfter = 1;
  const bodies: string[] = [];
  const arrivals: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      bodies.push(body.toString('utf8'));
      arrivals.push(Date.now());
      if (refuse > 0) {
        refuse--;
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': String(retryAfter) });
        res.end(JSON.stringify({ error: { code: 'OVERLOADED', message: 'The server is at capacity; retry after the indicated delay.' } }));
        return;
      }
      const up = http.request(target + (req.url ?? '/'), { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    arrivals,
    refuseNext(count, retryAfterS) {
      refuse = count;
      retryAfter = retryAfterS;
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
