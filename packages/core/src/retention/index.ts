// Retention (issue 5): the cut rule and policy parsing; pure, the store and the server do the I/O.
export { PRUNE_ALIGNMENT, pruneCut, retentionCutoff, type PruneCutInput } from './pruneCut.ts';
export { parseRetentionPolicy, type RetentionPolicyInput } from './parseRetentionPolicy.ts';
export { compactRangeIds, extendFrontier } from './extendFrontier.ts';
