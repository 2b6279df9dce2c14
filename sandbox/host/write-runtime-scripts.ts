/**
 * `npm run build`'s last step for the engine: bundles the guest runtime once into
 * `dist/sandbox/host/runtime-scripts.json` (see `runtime-scripts.ts`), so an engine run from `dist/`
 * needs no esbuild at start. `node dist/sandbox/host/write-runtime-scripts.js`
 */
import { writeFileSync } from 'node:fs';

import { PREBUILT_RUNTIME_FILE, bundleRuntime } from './runtime-scripts.js';

const scripts = await bundleRuntime();
writeFileSync(PREBUILT_RUNTIME_FILE, JSON.stringify(scripts));
const { stop } = await import('esbuild');
await stop();
