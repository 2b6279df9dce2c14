/**
 * `inspect`: the replay opens a V8 inspector on the replaying context in the runner and waits for
 * a debugger. A client speaking the Chrome DevTools Protocol over the WebSocket (as DevTools and
 * VS Code do) finds the bundle with its inline source map, sets a breakpoint on a line of the
 * user's TypeScript (mapped to the bundle with that map, as DevTools does), is paused there with
 * the user's file in the call frames, reads a variable, resumes, and the replay completes.
 */
import {
  TraceMap,
  generatedPositionFor,
  originalPositionFor,
  GREATEST_LOWER_BOUND,
} from '@jridgewell/trace-mapping';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import type { InspectorEndpoint, JournalFile } from '../../engine/index.js';
import { exportSessionJournal, replayJournal } from '../../engine/index.js';
import { record, replayFixture } from './helpers.js';
import type { ReplayFixture } from './helpers.js';

const WORKFLOW_LINES = [
  "import { a } from './activities';",
  'export async function triple(input: number) {',
  '  const first = await a(input);',
  '  const second = await a(first + 1);',
  '  return first + second;',
  '}',
];
const BREAK_LINE = 4;

interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
}

/** A minimal CDP client: numbered requests, and a queue of notifications to wait for. */
class CdpClient {
  private nextId = 1;
  private readonly waiting = new Map<number, (result: Record<string, unknown>) => void>();
  readonly notifications: CdpMessage[] = [];
  private listeners: (() => void)[] = [];

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as CdpMessage;
      if (message.id !== undefined) this.waiting.get(message.id)?.(message.result ?? {});
      else this.notifications.push(message);
      for (const listener of this.listeners.splice(0)) listener();
    });
  }

  static connect(url: string): Promise<CdpClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once('open', () => resolve(new CdpClient(socket)));
      socket.once('error', reject);
    });
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  async next(method: string, timeoutMs = 20_000): Promise<CdpMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.notifications.findIndex((m) => m.method === method);
      if (index >= 0) return this.notifications.splice(index, 1)[0] as CdpMessage;
      if (Date.now() > deadline) throw new Error(`no ${method} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.listeners.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  close(): void {
    this.socket.close();
  }
}

let fx: ReplayFixture;
let dir: string;
let journal: JournalFile;

beforeAll(async () => {
  fx = await replayFixture();
  dir = await fx.project('inspect', {
    'activities.ts': 'export async function a(n: number) { return n * 10; }\n',
    'workflows.ts': `${WORKFLOW_LINES.join('\n')}\n`,
  });
  journal = await exportSessionJournal(fx.engine, await record(fx.engine, dir, 'workflows.ts:triple', 2), {
    withBuild: true,
  });
});

afterAll(async () => {
  await fx?.close();
});

describe('replay under the V8 inspector', () => {
  it(
    'waits for the debugger, pauses at a breakpoint in the user TypeScript, resumes, completes',
    async () => {
      let endpoint: InspectorEndpoint | undefined;
      let debuggerDone:
        Promise<{ pausedAt: string; first: unknown; listed: unknown; sourceRoot: unknown }> | undefined;
      const replay = replayJournal({
        journal,
        sandbox: fx.sandbox,
        build: { projectDir: dir },
        inspect: {
          port: 0,
          onListening: (listening) => {
            endpoint = listening;
            debuggerDone = drive(listening);
          },
        },
      });

      async function drive(listening: InspectorEndpoint) {
        const listed = await (await fetch(`http://127.0.0.1:${listening.port}/json/list`)).json();
        const cdp = await CdpClient.connect(listening.url);
        await cdp.send('Runtime.enable');
        await cdp.send('Debugger.enable');
        // The bundle is compiled but not run yet: set the breakpoint by URL, as DevTools does for
        // a line of a source-mapped file (translating it with the script's source map).
        const artifactMap = new TraceMap(journal.build?.workflowBundle.sourceMap ?? '');
        const generated = generatedPositionFor(artifactMap, {
          source: 'workflows.ts',
          line: BREAK_LINE,
          column: 2,
          bias: GREATEST_LOWER_BOUND,
        });
        expect(generated.line).not.toBeNull();
        await cdp.send('Debugger.setBreakpointByUrl', {
          url: 'whisker:///project/workflow.bundle.js',
          lineNumber: (generated.line ?? 1) - 1,
          columnNumber: generated.column ?? 0,
        });
        await cdp.send('Runtime.runIfWaitingForDebugger');
        const paused = await cdp.next('Debugger.paused');
        const frames = paused.params?.callFrames as {
          callFrameId: string;
          location: { scriptId: string; lineNumber: number; columnNumber: number };
        }[];
        const top = frames[0];
        // The script carries its source map inline, so a debugger maps the frame to the user's file.
        let parsed: CdpMessage | undefined;
        while (parsed === undefined) {
          const candidate = await cdp.next('Debugger.scriptParsed');
          if (candidate.params?.scriptId === top?.location.scriptId) parsed = candidate;
        }
        expect(parsed.params?.url).toBe('whisker:///project/workflow.bundle.js');
        const mapUrl = String(parsed.params?.sourceMapURL);
        expect(mapUrl.startsWith('data:application/json')).toBe(true);
        const inlineMap = JSON.parse(
          Buffer.from(mapUrl.slice(mapUrl.indexOf(',') + 1), 'base64').toString('utf8'),
        ) as { sourceRoot?: string };
        const original = originalPositionFor(new TraceMap(inlineMap as never), {
          line: (top?.location.lineNumber ?? 0) + 1,
          column: top?.location.columnNumber ?? 0,
        });
        const first = await cdp.send('Debugger.evaluateOnCallFrame', {
          callFrameId: top?.callFrameId,
          expression: 'first',
          returnByValue: true,
        });
        await cdp.send('Debugger.resume');
        cdp.close();
        return {
          pausedAt: `${String(original.source)}:${String(original.line)}`,
          first: (first.result as { value?: unknown } | undefined)?.value,
          listed,
          sourceRoot: inlineMap.sourceRoot,
        };
      }

      // A failing debugger side must fail the test, not leave the replay paused; and a replay whose
      // inspector never listens fails naming that step.
      const listenBy = Date.now() + 25_000;
      const result = await Promise.race([
        replay,
        new Promise<never>((_resolve, reject) => {
          const check = setInterval(() => {
            if (debuggerDone === undefined) {
              if (Date.now() < listenBy) return;
              clearInterval(check);
              reject(new Error('the inspected replay did not report a listening inspector within 25 s'));
              return;
            }
            clearInterval(check);
            debuggerDone.catch(reject);
          }, 20);
        }),
      ]);
      expect(endpoint?.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]{36}$/);
      const seen = await debuggerDone;
      // The source map's sources resolve to the project's files on disk (editors open them).
      expect(seen?.sourceRoot).toBe(new URL(`file://${dir}/`).href);
      expect(seen?.pausedAt).toBe(`${new URL(`file://${dir}/`).href}workflows.ts:${BREAK_LINE}`);
      expect(seen?.first).toBe(20);
      expect(seen?.listed).toEqual([
        expect.objectContaining({ type: 'node', webSocketDebuggerUrl: endpoint?.url }),
      ]);
      expect(result.verdict).toBe('compatible');
      expect(result.steps).toEqual({ recorded: 3, replayed: 3 });
      // One retry: a full-suite CI run here once never saw the inspector listen (not reproduced in
      // isolation or under load, nor in other full runs); a failure twice in a row still fails.
    },
    { timeout: 60_000, retry: 1 },
  );
});
