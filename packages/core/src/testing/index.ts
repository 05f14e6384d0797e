export * from './testEventStore.ts';
export * from './storeHarness.ts';
export * from './makePrepared.ts';
export * from './queryFixture.ts';
export * from './filterCases.ts';
export * from './referenceQueries.ts';
export { richEventOverrides } from './contract/describeAppendContract.ts';
export { searchAllPages } from './contract/describeSearchContract.ts';
export * from './testAccessStore.ts';
