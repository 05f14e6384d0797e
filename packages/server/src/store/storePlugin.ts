import { sharedPlugin } from '../http/definePlugin.ts';
import { createStore } from './createStore.ts';
import type { VellumStore } from './VellumStore.ts';

export interface StorePluginOptions {
  /** A store to use as is (tests); otherwise `location` is opened. Either way the app closes it. */
  store?: VellumStore;
  location: string;
  migrate: boolean;
}

/** Opens the store, brings its schema up to date, and closes it last on shutdown. */
export const storePlugin = sharedPlugin<StorePluginOptions>('vellum-store', async (app, options) => {
  if (options.store === undefined && typeof options.location !== 'string') {
    throw new TypeError('vellum-store: pass a store or a location');
  }
  const opened = options.store ?? (await createStore(options.location));
  try {
    if (options.migrate) await opened.migrate();
  } catch (err) {
    await opened.close();
    throw err;
  }
  // Said once at start, where an operator reads; a store that cannot tell (or fails to) says nothing.
  for (const warning of (await opened.settingWarnings?.().catch(() => [])) ?? []) app.log.warn(warning);
  app.decorate('store', opened);
  app.addHook('onClose', async () => {
    await opened.close();
  });
});
