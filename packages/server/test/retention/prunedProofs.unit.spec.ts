import { describe, expect, it } from 'vitest';
import { consistencyProofPlan, inclusionProofPlan } from '@vellum/core';
import { needsPrunedLeaves } from '../../src/integrity/readProof.ts';

describe('which proofs a prune through P (a multiple of 16) still allows', () => {
  it('every inclusion proof of a retained event, at every tree size', () => {
    for (let p = 16; p <= 96; p += 16) {
      for (let n = p + 1; n <= 200; n++) {
        for (let leaf = p; leaf < n; leaf++) expect(needsPrunedLeaves(inclusionProofPlan(leaf, n), p), `P ${p}, leaf ${leaf}, size ${n}`).toBe(false);
      }
    }
  });

  it('consistency from any size ≥ P or any multiple of 16; a size inside a pruned block is refused', () => {
    for (let p = 16; p <= 96; p += 16) {
      for (let n = p + 1; n <= 160; n++) {
        for (let m = 1; m <= n; m++) {
          const needs = needsPrunedLeaves(consistencyProofPlan(m, n), p);
          if (m >= p || m % 16 === 0) expect(needs, `P ${p}, ${m} → ${n}`).toBe(false);
        }
      }
    }
    expect(needsPrunedLeaves(consistencyProofPlan(50, 170), 96)).toBe(true);
  });

  it('anything when nothing was pruned', () => {
    expect(needsPrunedLeaves(consistencyProofPlan(3, 7), 0)).toBe(false);
  });
});
