// Whisker embedded in a Node app: no server, journal in a local directory (the file store).
// Run from the Whisker checkout: `node examples/embedded/main.mjs` (after `npm install`).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import console from 'node:console';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';
import { createEngine } from 'whisker';

const projectDir = fileURLToPath(new URL('./project', import.meta.url));
const dataDir = process.argv[2] ?? (await mkdtemp(join(tmpdir(), 'whisker-embedded-')));

const charged = new Set();
const engine = await createEngine({
  dataDir, // sessions survive a restart of this process: createEngine recovers them
  activities: {
    // A host activity: trusted code of this app, called by workflows through the journal.
    async chargeCard(orderId, cents) {
      charged.add(orderId);
      return `receipt-${orderId}-${cents}`;
    },
  },
});
try {
  const build = await engine.loadProject(projectDir, { typecheck: true });
  const session = await engine.startSession({
    buildId: build.buildId,
    entry: 'workflows.ts:order',
    input: {
      orderId: 'A-1',
      items: [
        { sku: 'tea', quantity: 2 },
        { sku: 'cake', quantity: 1 },
      ],
    },
    idempotencyKey: 'order-A-1', // starting it again returns the same session
  });
  const result = await engine.result(session.sessionId, { timeoutMs: 30_000 });
  console.log(JSON.stringify({ session: session.sessionId, result }));
  for (const entry of await engine.sessionLog(session.sessionId))
    console.log(`log: [${entry.kind}] ${entry.text}`);
  console.log(`data: ${dataDir}`);
} finally {
  await engine.shutdown();
}
