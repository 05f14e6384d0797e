export * from './TokenBucket.ts';
export * from './TokenBucketMap.ts';
