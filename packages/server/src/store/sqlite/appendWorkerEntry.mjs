// Worker threads start without the parent's module loader, and the sources are TypeScript run through tsx
// (see bin/vellum.mjs): register it here, then load the writer.
import { register } from 'tsx/esm/api';

register();
await import('./appendWorker.ts');
