/**
 * Records the example's journals by running the project on an in-memory engine (in production you
 * would export real sessions instead: `whisker journal export <session-id> -o journals/x.journal`).
 *
 *     node --no-node-snapshot --import tsx examples/replay-ci/record.ts
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

import { createEngine, encodeJournalFile, exportSessionJournal } from '../../engine/index.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const engine = await createEngine();
try {
  const build = await engine.loadProject(join(here, 'project'));
  const start = async (input: unknown) =>
    (await engine.startSession({ buildId: build.buildId, entry: 'workflows.ts:placeOrder', input }))
      .sessionId;

  const small = await start({ orderId: 'o-1001', sku: 'mug', quantity: 2, amountCents: 2_400 });
  await engine.result(small);
  const large = await start({
    orderId: 'o-1002',
    sku: 'espresso-machine',
    quantity: 1,
    amountCents: 189_000,
  });
  await engine.waitFor(large, (s) => s.status === 'waiting', 10_000);
  await engine.signal(large, 'approve', true);
  await engine.result(large);
  // A session still waiting for its approval: it must keep replaying too.
  const waiting = await start({ orderId: 'o-1003', sku: 'grinder', quantity: 1, amountCents: 120_000 });
  await engine.waitFor(waiting, (s) => s.status === 'waiting', 10_000);

  for (const [name, id] of [
    ['small-order', small],
    ['approved-order', large],
    ['awaiting-approval', waiting],
  ] as const) {
    await writeFile(
      join(here, 'journals', `${name}.journal`),
      encodeJournalFile(await exportSessionJournal(engine, id)),
    );
    console.log(`journals/${name}.journal (${id})`);
  }
} finally {
  await engine.shutdown();
}
