export * from './cidr.ts';
export * from './template.ts';
export * from './retrySchedule.ts';
