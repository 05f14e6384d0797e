import { ALL_TENANTS, consistencyProofPlan, inclusionProofPlan, VellumError } from '@vellum/core';
import type { ErrorDetail, MerkleProofPlan, RawQuery } from '@vellum/core';
import type { FastifyRequest } from 'fastify';
import { routesPlugin } from '../http/definePlugin.ts';
import { resolveReadTenant } from '../auth/resolveReadTenant.ts';
import { isWithinRestriction } from '../auth/readRestriction.ts';
import { consistencyProofSchema, inclusionProofSchema, latestCheckpointSchema } from './integritySchemas.ts';
import { parseSizes } from './parseSizes.ts';
import { needsPrunedLeaves, readProof } from './readProof.ts';

/** The one tenant whose tree a request is about (an admin may name another; `*` has no tree) and the other parameters. */
function oneTenant(request: FastifyRequest): { tenant: string; query: RawQuery } {
  const { tenant, query } = resolveReadTenant(request.auth, request.query as RawQuery);
  if (tenant === ALL_TENANTS) {
    throw new VellumError('VALIDATION_FAILED', { details: [{ path: '/query/tenant', message: "must name one tenant: each tenant's log is a tree of its own" }] });
  }
  return { tenant, query };
}

function refuse(details: ErrorDetail[]): void {
  if (details.length > 0) throw new VellumError('VALIDATION_FAILED', { details });
}

/**
 * The signed checkpoint and the two kinds of RFC 9162 proof. Proofs are assembled from stored nodes and a few
 * leaves (readProof), so they cost the same at any log size; the tree is never rebuilt here. Every size asked for
 * must be one the tree has reached: a proof for a size beyond it would be about a tree nobody can check.
 */
export const integrityRoutes = routesPlugin('vellum-integrity-routes', async (app) => {
  const { store } = app;

  /** A proof that needs leaves retention removed cannot be built: say so, and which sizes still work. */
  const refusePruned = async (tenant: string, plan: MerkleProofPlan, path: string): Promise<void> => {
    const prunedThrough = (await store.retention.lastPrune(tenant))?.prunedThrough ?? 0;
    if (!needsPrunedLeaves(plan, prunedThrough)) return;
    refuse([{
      path,
      message: `needs events at positions 1–${prunedThrough}, which were pruned by the tenant's retention policy; ` +
        `a consistency proof from a size that is a multiple of 16, or at least ${prunedThrough}, still works`,
    }]);
  };

  app.get('/v1/checkpoints/latest', { config: { scope: 'events:read', audit: 'viewer' }, schema: latestCheckpointSchema }, async (request) => {
    const { tenant, query } = oneTenant(request);
    refuse(parseSizes(query, []).details);
    const checkpoint = await store.latestCheckpoint(tenant);
    if (checkpoint === null) {
      throw new VellumError('NOT_FOUND', {
        message: 'No checkpoint yet: this tenant has no events, or they are not integrated yet (the first checkpoint follows within seconds).',
      });
    }
    const { key } = app.integrity;
    return {
      treeSize: checkpoint.treeSize,
      rootHash: checkpoint.rootHash,
      checkpoint: checkpoint.note,
      publicKey: key.publicKey.toString('base64'),
      verifierKey: key.verifierKey,
    };
  });

  app.get<{ Params: { id: string } }>('/v1/events/:id/proof', { config: { scope: 'events:read', audit: 'viewer' }, schema: inclusionProofSchema }, async (request) => {
    const { tenant, query } = oneTenant(request);
    const { sizes, details } = parseSizes(query, ['treeSize']);
    refuse(details);
    // All three at once: a proof is a handful of small reads, and their round trips are most of its time.
    const [event, state, latest] = await Promise.all([
      store.getById(tenant, request.params.id),
      store.treeState(tenant),
      sizes.treeSize === undefined ? store.latestCheckpoint(tenant) : null,
    ]);
    // Outside the restriction reads exactly like no such event, as GET /v1/events/:id does.
    if (event === null || !isWithinRestriction(request.auth, event)) throw new VellumError('NOT_FOUND', { message: 'No event with this id.' });

    const { position } = event;
    const works = position <= state.size ? `from ${position} (this event's position) to ${state.size} (the size integrated so far)` : null;
    const retry = `this event (position ${position}) is not integrated yet (the tree has ${state.size} events); retry in a few seconds`;
    const treeSize = sizes.treeSize ?? latest?.treeSize;
    if (treeSize === undefined || treeSize < position || treeSize > state.size) {
      const said = sizes.treeSize === undefined
        ? latest === null ? 'is needed while this tenant has no checkpoint yet' : `defaults to the latest checkpoint's size, ${latest.treeSize}, which does not include this event yet`
        : `${treeSize} is not a size this proof can be for`;
      refuse([{ path: '/query/treeSize', message: works === null ? `${said}: ${retry}` : `${said}: use a size ${works}` }]);
    }
    const size = treeSize as number;
    // No pruned-leaves check: the event exists, so its 16-leaf block was not pruned (prune points are multiples of 16),
    // and every node below the stored levels on its path lies in that block (test/retention/prunedProofs.unit.spec.ts).
    const plan = inclusionProofPlan(position - 1, size);
    return { leafIndex: position - 1, treeSize: size, leafHash: event.hash, hashes: await readProof(store, tenant, plan) };
  });

  app.get('/v1/proofs/consistency', { config: { scope: 'events:read', audit: 'viewer' }, schema: consistencyProofSchema }, async (request) => {
    const { tenant, query } = oneTenant(request);
    const { sizes, details } = parseSizes(query, ['from', 'to']);
    if (query.from === undefined) details.push({ path: '/query/from', message: 'is required: the size of the tree you hold a checkpoint for' });
    if (sizes.from === 0) {
      details.push({ path: '/query/from', message: 'must be at least 1: there is no consistency proof from the empty tree (RFC 9162), as every tree extends it' });
    }
    const [state, latest] = await Promise.all([store.treeState(tenant), sizes.to === undefined ? store.latestCheckpoint(tenant) : null]);
    const to = sizes.to ?? latest?.treeSize;
    if (to === undefined) {
      if (query.to === undefined) details.push({ path: '/query/to', message: 'is needed while this tenant has no checkpoint yet' });
    } else if (to > state.size) {
      details.push({ path: '/query/to', message: `must be at most ${state.size}, the size integrated so far` });
    }
    if (sizes.from !== undefined && to !== undefined && sizes.from > to) {
      const which = sizes.to === undefined ? `the latest checkpoint's size, ${to}` : `to (${to})`;
      details.push({ path: '/query/from', message: `must not exceed ${which}` });
    }
    refuse(details);
    const from = sizes.from as number;
    const end = to as number;
    const plan = consistencyProofPlan(from, end);
    await refusePruned(tenant, plan, '/query/from');
    return { from, to: end, hashes: await readProof(store, tenant, plan) };
  });
});
