/**
 * Makes sure `ui/dist` holds a build of the current sources: `npm run build` (and so `npm ci`)
 * builds it; a test run after editing the UI rebuilds it here, so the browser never tests stale
 * files. Fresh = `ui/dist/index.html` is newer than every file of the UI's sources.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const UI_ROOT = fileURLToPath(new URL('../../../ui', import.meta.url));
export const UI_DIST = join(UI_ROOT, 'dist');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

export function uiBuildIsFresh(): boolean {
  const index = join(UI_DIST, 'index.html');
  if (!existsSync(index)) return false;
  const built = statSync(index).mtimeMs;
  const sources = ['src', 'public', 'index.html', 'vite.config.ts']
    .map((p) => join(UI_ROOT, p))
    .filter((p) => existsSync(p));
  return sources.every((p) => newestMtime(p) <= built);
}

/** Builds the UI with Vite when `ui/dist` is missing or older than the sources. */
export async function ensureUiBuilt(): Promise<void> {
  if (uiBuildIsFresh()) return;
  const { build } = await import('vite');
  await build({ root: UI_ROOT, configFile: join(UI_ROOT, 'vite.config.ts'), logLevel: 'warn' });
}
