/**
 * Entry of a runner process (started by `sandbox/host/runner-process.ts` with `--no-node-snapshot`).
 * Talks to its host over fd 3 (length-prefixed msgpackr frames) and exits when the host goes away,
 * so a runner never outlives its engine.
 */
import { Socket } from 'node:net';

import { Runner } from './runner.js';
import type { HostMessage, RunnerMessage } from './wire.js';
import { readFrames, writeFrame } from './wire.js';

const channel = new Socket({ fd: 3, readable: true, writable: true });
let runner: Runner | undefined;

function send(message: RunnerMessage): void {
  writeFrame(channel, message);
}

readFrames<HostMessage>(channel, (message) => {
  switch (message.t) {
    case 'start':
      runner = new Runner(message.options, message.runtime, (items) => send({ t: 'batch', items }));
      send({ t: 'ready', pid: process.pid });
      return;
    case 'batch': {
      if (runner === undefined) return;
      // Pings are answered at once: they measure that this process still serves its event loop.
      const work = message.items.filter((item) => {
        if (item.op !== 'ping') return true;
        runner?.pong(item.id);
        return false;
      });
      if (work.length > 0) runner.enqueue(work);
      return;
    }
    case 'echo':
      send({ t: 'echo', payload: message.payload });
      return;
    case 'shutdown':
      runner?.dispose();
      channel.end(() => process.exit(0));
      return;
  }
});

// Ctrl-C reaches the whole process group: the engine decides when runners stop (it closes the
// sandbox), so a runner ignores SIGINT and goes when its channel closes.
process.on('SIGINT', () => undefined);
// The host is gone (closed its end, or died): stop at once.
channel.on('end', () => process.exit(0));
channel.on('error', () => process.exit(0));
process.on('uncaughtException', (error) => {
  process.stderr.write(`whisker runner ${process.pid}: ${error.stack ?? String(error)}\n`);
  process.exit(70);
});
