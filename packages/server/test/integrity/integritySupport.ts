/**
 * Shared by the integrity tests: ingest through HTTP, read checkpoints and proofs back, and check them the way
 * a client would — against the published key and a reference tree built from the ingest answers alone.
 */
import { expect } from 'vitest';
import type { FastifyInstance } from 'fastify';
import {
  MemoryMerkleTree,
  merkleHashFromHex,
  parseMerkleHashHex,
  parseMerkleHashListHex,
  parseVerifierKey,
  verifyConsistency,
  verifyInclusion,
  verifySignedCheckpoint,
} from '@vellum/core';
import { ADMIN_KEY, anEvent } from '../support/testApp.ts';
import type { IntegrityOptions } from '../../src/config/VellumConfig.ts';

export const admin = (tenant = 'default'): Record<string, string> => ({ authorization: `Bearer ${ADMIN_KEY}`, 'vellum-tenant': tenant });

/** Integrity on, with rules that never fire on their own during a test unless it says so. */
export const integrityConfig = (overrides: Partial<IntegrityOptions> = {}): IntegrityOptions => ({
  enabled: true,
  origin: 'vellum.test',
  checkpointEvery: 1_000_000,
  checkpointIntervalSeconds: 86_400,
  ...overrides,
});

export interface Appended {
  id: string;
  position: number;
  hash: string;
}

/** Appends `count` events in batches of `batch` through POST /v1/events. */
export async function ingest(app: FastifyInstance, tenant: string, count: number, batch = 50, extra: (i: number) => Record<string, unknown> = () => ({})): Promise<Appended[]> {
  const appended: Appended[] = [];
  for (let start = 0; start < count; start += batch) {
    const events = Array.from({ length: Math.min(batch, count - start) }, (_, k) => anEvent({ data: { n: start + k }, ...extra(start + k) }));
    const res = await app.inject({ method: 'POST', url: '/v1/events', headers: admin(tenant), payload: { events } });
    expect(res.statusCode, res.payload).toBe(201);
    appended.push(...(res.json().events as Appended[]));
  }
  return appended;
}

/** The tree a client would build from what the server acknowledged, in log order. */
export function referenceTree(appended: readonly Appended[]): MemoryMerkleTree {
  const sorted = [...appended].sort((a, b) => a.position - b.position);
  sorted.forEach((e, i) => expect(e.position, 'positions are gapless from 1').toBe(i + 1));
  return new MemoryMerkleTree(sorted.map((e) => merkleHashFromHex(e.hash)));
}

export interface VerifiedCheckpoint {
  treeSize: number;
  root: Buffer;
  rootHash: string;
  note: string;
  publicKey: string;
  verifierKey: string;
}

/** GET /v1/checkpoints/latest, checked: signature by the published key, origin, and the hex root matching the note's. */
export async function latestCheckpoint(app: FastifyInstance, tenant: string, headers: Record<string, string> = admin(tenant)): Promise<VerifiedCheckpoint> {
  const res = await app.inject({ method: 'GET', url: '/v1/checkpoints/latest', headers });
  expect(res.statusCode, res.payload).toBe(200);
  const body = res.json() as { treeSize: number; rootHash: string; checkpoint: string; publicKey: string; verifierKey: string };
  const key = parseVerifierKey(body.verifierKey);
  expect(key, 'a well-formed verifier key').not.toBeNull();
  expect(Buffer.from(key!.publicKey).toString('base64')).toBe(body.publicKey);
  expect(Buffer.from(body.publicKey, 'base64')).toHaveLength(32);
  const signed = verifySignedCheckpoint(body.checkpoint, key!);
  expect(signed, 'the checkpoint verifies with the published key').not.toBeNull();
  expect(signed!.origin).toBe(`${key!.name}/${tenant}`);
  expect(signed!.treeSize).toBe(body.treeSize);
  expect(Buffer.from(signed!.rootHash).toString('hex')).toBe(body.rootHash);
  return { treeSize: body.treeSize, root: Buffer.from(signed!.rootHash), rootHash: body.rootHash, note: body.checkpoint, publicKey: body.publicKey, verifierKey: body.verifierKey };
}

/** GET /v1/events/:id/proof checked against a checkpoint's size and root (never the response's own claims alone). */
export async function expectInclusion(app: FastifyInstance, tenant: string, event: Appended, checkpoint: { treeSize: number; root: Buffer }, explicitSize = true): Promise<void> {
  const url = `/v1/events/${event.id}/proof${explicitSize ? `?treeSize=${checkpoint.treeSize}` : ''}`;
  const res = await app.inject({ method: 'GET', url, headers: admin(tenant) });
  expect(res.statusCode, res.payload).toBe(200);
  const body = res.json() as { leafIndex: number; treeSize: number; leafHash: string; hashes: string[] };
  expect(body.leafIndex).toBe(event.position - 1);
  expect(body.treeSize).toBe(checkpoint.treeSize);
  expect(body.leafHash).toBe(event.hash);
  const proof = parseMerkleHashListHex(body.hashes);
  expect(proof, 'lowercase hex hashes').toBeDefined();
  expect(verifyInclusion(parseMerkleHashHex(event.hash)!, event.position - 1, checkpoint.treeSize, proof!, checkpoint.root), `event ${event.position} in ${checkpoint.treeSize}`).toBe(true);
}

export async function expectConsistency(app: FastifyInstance, tenant: string, older: { treeSize: number; root: Buffer }, newer: { treeSize: number; root: Buffer }): Promise<void> {
  const res = await app.inject({ method: 'GET', url: `/v1/proofs/consistency?from=${older.treeSize}&to=${newer.treeSize}`, headers: admin(tenant) });
  expect(res.statusCode, res.payload).toBe(200);
  const body = res.json() as { from: number; to: number; hashes: string[] };
  expect([body.from, body.to]).toEqual([older.treeSize, newer.treeSize]);
  const proof = parseMerkleHashListHex(body.hashes);
  expect(proof).toBeDefined();
  expect(verifyConsistency(older.treeSize, newer.treeSize, proof!, older.root, newer.root), `${older.treeSize} → ${newer.treeSize}`).toBe(true);
}

/** Polls until `check` returns something other than undefined (background work: integration, signing). */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
