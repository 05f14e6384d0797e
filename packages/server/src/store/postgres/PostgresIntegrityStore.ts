import { ALL_TENANTS, MERKLE_STORED_MIN_LEVEL } from '@vellum/core';
import type { CheckpointRecord, IntegrityStore, MerkleNodeRecord, MerkleTreeState } from '@vellum/core';
import { byteaArray, int2Array, int8Array } from './binaryArrays.ts';
import { columnText } from './eventColumns.ts';
import { checkpointRecord, integrityStatements, type CheckpointRow, type IntegrityStatements } from './integritySql.ts';
import type { TableNames } from './sqlNames.ts';
import { run } from './statement.ts';
import type { TenantPool } from './TenantPool.ts';

/**
 * Merkle trees and checkpoints on PostgreSQL (the IntegrityStore half of PostgresEventStore). Every statement runs
 * in the scope of the tenant it concerns; only tenantsBehind, which looks across tenants, runs in the system-wide
 * scope. Each call is one statement, so an advance needs no explicit transaction (integritySql.ts).
 */
export class PostgresIntegrityStore implements IntegrityStore {
  readonly #pool: TenantPool;
  readonly #sql: IntegrityStatements;

  constructor(pool: TenantPool, t: TableNames) {
    this.#pool = pool;
    this.#sql = integrityStatements(t);
  }

  async leafHashes(tenant: string, fromPosition: number, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    const scope = columnText(tenant);
    const rows = await this.#pool.rows<{ hash: string }>(scope, run(this.#sql.leafHashes, [scope, fromPosition, limit]));
    return rows.map((r) => r.hash);
  }

  async treeState(tenant: string): Promise<MerkleTreeState> {
    const scope = columnText(tenant);
    const [row] = await this.#pool.rows<{ size: string; frontier: string }>(scope, run(this.#sql.treeState, [scope]));
    return row === undefined ? { size: 0, frontier: [] } : { size: Number(row.size), frontier: JSON.parse(row.frontier) as string[] };
  }

  async advanceTree(tenant: string, fromSize: number, next: MerkleTreeState, nodes: readonly MerkleNodeRecord[]): Promise<boolean> {
    const scope = columnText(tenant);
    const kept = nodes.filter((n) => n.level >= MERKLE_STORED_MIN_LEVEL);
    const values = [
      scope, fromSize, next.size, JSON.stringify(next.frontier),
      int2Array(kept.map((n) => n.level)), int8Array(kept.map((n) => n.index)), byteaArray(kept.map((n) => Buffer.from(n.hash, 'hex'))),
    ];
    const [row] = await this.#pool.rows<{ moved: number }>(scope, run(fromSize === 0 ? this.#sql.createTree : this.#sql.moveTree, values));
    return row?.moved === 1;
  }

  async merkleNodes(tenant: string, ids: ReadonlyArray<{ level: number; index: number }>): Promise<MerkleNodeRecord[]> {
    if (ids.length === 0) return [];
    const scope = columnText(tenant);
    const q = run(this.#sql.merkleNodes, [scope, int2Array(ids.map((id) => id.level)), int8Array(ids.map((id) => id.index))]);
    const rows = await this.#pool.rows<{ level: number; idx: string; hash: string }>(scope, q);
    return rows.map((r) => ({ level: r.level, index: Number(r.idx), hash: r.hash }));
  }

  async tenantsBehind(): Promise<string[]> {
    return (await this.#pool.rows<{ tenant: string }>(ALL_TENANTS, run(this.#sql.tenantsBehind, []))).map((r) => r.tenant);
  }

  async saveCheckpoint(c: CheckpointRecord): Promise<void> {
    const scope = columnText(c.tenant);
    await this.#pool.query(scope, run(this.#sql.saveCheckpoint, [scope, c.treeSize, c.rootHash, c.note, c.createdAt]));
  }

  async latestCheckpoint(tenant: string): Promise<CheckpointRecord | null> {
    const scope = columnText(tenant);
    const [row] = await this.#pool.rows<CheckpointRow>(scope, run(this.#sql.latestCheckpoint, [scope]));
    return row === undefined ? null : checkpointRecord(row);
  }

  async checkpointAt(tenant: string, treeSize: number): Promise<CheckpointRecord | null> {
    const scope = columnText(tenant);
    const [row] = await this.#pool.rows<CheckpointRow>(scope, run(this.#sql.checkpointAt, [scope, treeSize]));
    return row === undefined ? null : checkpointRecord(row);
  }
}
