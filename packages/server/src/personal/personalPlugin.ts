import { sharedPlugin } from '../http/definePlugin.ts';
import { PersonalDataService } from './PersonalDataService.ts';

/** Decorates `personalData` (sealing at ingest, opening at reads); registered before the routes that use it. */
export const personalPlugin = sharedPlugin<Record<never, never>>('vellum-personal-data', async (app) => {
  const { enabled, fields } = app.vellumConfig.personalData;
  app.decorate('personalData', new PersonalDataService(app.store, { enabled, fields, now: app.clock }));
});
