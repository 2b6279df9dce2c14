// Builds the project given as argument and prints the result's diagnostics as JSON: lets a test
// build as another (unprivileged) user, in a child process.
import { buildProject } from '../../../sandbox/build/index.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: build-child.ts <project-dir>');
const result = await buildProject(dir, { typecheck: false });
process.stdout.write(
  JSON.stringify(result.ok ? { ok: true } : { ok: false, diagnostics: result.diagnostics }),
);
