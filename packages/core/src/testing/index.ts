export * from './testEventStore.ts';
