/**
 * The crash test's engine process. Runs `sessions` sessions of `steps` recorded side effects on the
 * file store (durability `always`), each effect appended to a file BEFORE the activity returns,
 * tagged with this incarnation. The parent kills it with SIGKILL at random moments.
 *
 * argv: <journal dir> <effects file> <incarnation> <sessions> <steps> <project dir>
 * stdout: `ready` once recovered, `done` when every session completed.
 */
import { appendFileSync } from 'node:fs';
import { createEngine } from '../../../engine/index.js';
import { openFileEventStore } from '../../../journal/index.js';
import { buildProjectOrThrow } from '../../../sandbox/index.js';

const [dir, effectsFile, incarnation, sessionsText, stepsText, projectDir] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const sessions = Number(sessionsText);
const steps = Number(stepsText);

// Built before the engine starts: recovery resumes sessions at once, and a build after it (the
// TypeScript compiler loads on the first build) would let them run far before `ready`.
const { artifact } = await buildProjectOrThrow(projectDir, { typecheck: false });
const store = await openFileEventStore({ dir, durability: 'always' });
const engine = await createEngine({
  store,
  sandboxOptions: { runners: 1 },
  activities: {
    record: (key: string) => {
      appendFileSync(effectsFile, `${key} ${incarnation}\n`);
      return key;
    },
  },
});
const build = await engine.loadBuild(artifact);
// Recovery is done and recovered sessions are running: from here on, a kill can land anywhere.
process.stdout.write('ready\n');
// Start every session (idempotent: sessions started by an earlier incarnation are found, not doubled).
const ids = await Promise.all(
  Array.from({ length: sessions }, async (_, i) => {
    const info = await engine.startSession({
      buildId: build.buildId,
      entry: 'workflows.ts:crashSteps',
      input: { key: `s${i}`, steps },
      idempotencyKey: `crash-${i}`,
    });
    return info.sessionId;
  }),
);
await Promise.all(ids.map((id) => engine.result(id)));
await engine.shutdown();
process.stdout.write('done\n');
