/**
 * A replay under the V8 inspector (replay debugging's `inspect`): an isolate of its own with the
 * inspector enabled, a WebSocket server on loopback speaking the Chrome DevTools Protocol, and a
 * wait for the debugger (`Runtime.runIfWaitingForDebugger`, sent by Chrome DevTools and VS Code
 * once they have set their breakpoints, as with `node --inspect-brk`).
 *
 * Calls into the context are asynchronous here: the code runs on one of isolated-vm's threads, so
 * while it is paused at a breakpoint this process's event loop keeps relaying the debugger's
 * messages (a synchronous call would block the relay and deadlock). There is no CPU limit: a
 * paused debugger must not time the code out.
 *
 * The bundle is compiled as `whisker:///project/workflow.bundle.js` with its source map inline, so
 * the user's files appear as `whisker:///project/<file>.ts` (or under `sourceRoot`, e.g. the
 * project directory as a `file://` URL, so editors open the files on disk), with their content.
 * Anyone who reaches the port controls the context: it listens on 127.0.0.1 unless told otherwise.
 */
import ivm from 'isolated-vm';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';

import type { InspectorEndpoint, ReplayOutcome, ReplayRequest } from '../protocol.js';
import { WORKFLOW_RUNTIME_FILE, WorkflowOp } from '../guest/entry-points.js';
import type { BundleAnswer, WorkflowDispatch } from '../guest/workflow-entry.js';
import { toHistoryColumns } from '../guest/history-columns.js';
import { driveReplay } from './replay-driver.js';
import { toReplayOutcome } from './replay-outcome.js';
import type { RunnerBuilds } from './runner-builds.js';
import { BundleMap, mapErrorData } from './source-mapping.js';
import { workflowSetup } from './workflow-host.js';

/** The bundle's name under the inspector: its map's relative sources land next to it. */
export const INSPECTED_BUNDLE_FILE = 'whisker:///project/workflow.bundle.js';
const DEFAULT_PORT = 9229;
const MAX_CONDITION_ROUNDS = 10_000;
/** The one session of an inspected replay's context. */
const INSPECTED_SESSION = 1;

export interface InspectedReplayOptions {
  cpuLimitMs: number;
  memoryLimitMb: number;
  runtimeCode: string;
  onListening: (endpoint: InspectorEndpoint) => void;
}

export async function replayInspected(
  builds: RunnerBuilds,
  request: ReplayRequest,
  options: InspectedReplayOptions,
): Promise<ReplayOutcome> {
  const build = builds.get(request.init.buildHash);
  if (build === undefined) {
    return {
      kind: 'failed',
      newCommands: [],
      done: false,
      error: {
        name: 'BuildNotRegisteredError',
        code: 'BUILD_NOT_REGISTERED',
        message: `Build ${request.init.buildHash} is not registered with the sandbox; call sandbox.registerBuild(artifact) first.`,
      },
    };
  }
  const inspect = request.inspect ?? {};
  const isolate = new ivm.Isolate({ memoryLimit: options.memoryLimitMb, inspector: true });
  const server = await InspectorServer.listen(
    isolate,
    inspect.host ?? '127.0.0.1',
    inspect.port ?? DEFAULT_PORT,
    {
      title: `whisker replay of ${request.init.info.sessionId} (${request.init.info.entry})`,
    },
  );
  try {
    const context = await isolate.createContext({ inspector: true });
    const runtimeScript = await isolate.compileScript(options.runtimeCode, {
      filename: WORKFLOW_RUNTIME_FILE,
    });
    const bundleScript = await isolate.compileScript(
      withInlineSourceMap(
        build.build.workflowBundle.code,
        build.build.workflowBundle.sourceMap,
        inspect.sourceRoot,
      ),
      { filename: INSPECTED_BUNDLE_FILE },
    );
    const map = new BundleMap(INSPECTED_BUNDLE_FILE, build.build.workflowBundle.sourceMap);
    options.onListening(server.endpoint);
    await server.debuggerReady;

    const setup = (await runtimeScript.run(context, { reference: true })) as ivm.Reference<
      (...args: unknown[]) => unknown
    >;
    const dispatch = (await setup.apply(undefined, [build.readResource], {
      result: { reference: true },
    })) as ivm.Reference<WorkflowDispatch>;
    const factory = (await bundleScript.run(context, { reference: true })) as ivm.Reference<unknown>;
    await dispatch.apply(undefined, [WorkflowOp.bundle, factory.derefInto({ release: true }), 0]);
    const history = toHistoryColumns(request.history);
    const setupData = workflowSetup(request.init, history, INSPECTED_BUNDLE_FILE, {
      trace: true,
      captureSites: request.captureSites === true,
      ...(request.until !== undefined ? { stopAt: request.until } : {}),
    });
    const answer = (await dispatch.apply(
      undefined,
      [WorkflowOp.create, new ivm.ExternalCopy(setupData).copyInto(), INSPECTED_SESSION],
      {
        result: { copy: true },
      },
    )) as BundleAnswer;
    if (!answer.ok) {
      return {
        kind: 'failed',
        newCommands: [],
        done: false,
        error: { ...mapErrorData(answer.error, map), code: answer.error.code ?? answer.code },
      };
    }
    const copying = { arguments: { copy: true }, result: { copy: true } } as const;
    const plain = { arguments: { copy: true } } as const;
    const result = await driveReplay(
      (op, arg, copyResult) =>
        dispatch.apply(undefined, [op, arg, INSPECTED_SESSION], copyResult ? copying : plain),
      {
        pending: request.pending,
        maxConditionRounds: MAX_CONDITION_ROUNDS,
        onConditionLoop: () =>
          new Error(`conditions kept unblocking each other ${MAX_CONDITION_ROUNDS} times in one step`),
      },
    );
    return toReplayOutcome(result, history, map);
  } finally {
    await server.close();
    if (!isolate.isDisposed) isolate.dispose();
  }
}

/** The bundle with its source map inline (and `sourceRoot` set), so a debugger shows the user's files. */
export function withInlineSourceMap(code: string, sourceMap: string, sourceRoot: string | undefined): string {
  let map = sourceMap;
  if (sourceRoot !== undefined) {
    const parsed = JSON.parse(sourceMap) as { sourceRoot?: string };
    parsed.sourceRoot = sourceRoot.endsWith('/') ? sourceRoot : `${sourceRoot}/`;
    map = JSON.stringify(parsed);
  }
  return `${code}\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(map).toString('base64')}\n`;
}

/**
 * HTTP + WebSocket endpoint of one inspector target: `/json/list` and `/json/version` for
 * discovery (chrome://inspect), the WebSocket at `/<id>` relays CDP messages to an inspector
 * session of the isolate.
 */
class InspectorServer {
  readonly debuggerReady: Promise<void>;
  private go!: () => void;
  /** Open debugger connections and their inspector sessions (disposed before the isolate is). */
  private readonly sockets = new Map<WebSocket, () => void>();

  private constructor(
    private readonly isolate: ivm.Isolate,
    private readonly http: ReturnType<typeof createServer>,
    private readonly wss: WebSocketServer,
    readonly endpoint: InspectorEndpoint,
    readonly id: string,
    title: string,
  ) {
    http.on('request', (req: IncomingMessage, res: ServerResponse) => this.describe(req, res, title));
    this.debuggerReady = new Promise((resolve) => {
      this.go = resolve;
    });
    wss.on('connection', (socket) => this.attach(socket));
  }

  static async listen(
    isolate: ivm.Isolate,
    host: string,
    port: number,
    meta: { title: string },
  ): Promise<InspectorServer> {
    const id = randomUUID();
    const http = createServer();
    const wss = new WebSocketServer({ noServer: true });
    http.on('upgrade', (req, socket, head) => {
      if (req.url !== `/${id}`) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, host, () => resolve());
    });
    const actual = (http.address() as AddressInfo).port;
    const hostPort = `${host.includes(':') ? `[${host}]` : host}:${actual}`;
    const endpoint: InspectorEndpoint = {
      url: `ws://${hostPort}/${id}`,
      devtoolsUrl: `devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws=${hostPort}/${id}`,
      host,
      port: actual,
    };
    return new InspectorServer(isolate, http, wss, endpoint, id, meta.title);
  }

  private describe(req: IncomingMessage, res: ServerResponse, title: string): void {
    const path = (req.url ?? '/').split('?')[0];
    let body: unknown;
    if (path === '/json' || path === '/json/list') {
      body = [
        {
          description: 'whisker workflow replay',
          devtoolsFrontendUrl: this.endpoint.devtoolsUrl,
          devtoolsFrontendUrlCompat: this.endpoint.devtoolsUrl.replace('js_app.html', 'inspector.html'),
          id: this.id,
          title,
          type: 'node',
          url: INSPECTED_BUNDLE_FILE,
          webSocketDebuggerUrl: this.endpoint.url,
        },
      ];
    } else if (path === '/json/version') {
      body = { Browser: 'whisker/replay', 'Protocol-Version': '1.3' };
    } else {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body));
  }

  private attach(socket: WebSocket): void {
    const session = this.isolate.createInspectorSession();
    const dispose = (): void => {
      if (!this.sockets.delete(socket)) return;
      try {
        session.dispose();
      } catch {
        // Already disposed.
      }
    };
    this.sockets.set(socket, dispose);
    const send = (message: string): void => {
      if (socket.readyState === socket.OPEN) socket.send(message);
    };
    session.onResponse = (_callId, message) => send(message);
    session.onNotification = send;
    socket.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      try {
        session.dispatchProtocolMessage(text);
      } catch {
        socket.close();
        return;
      }
      // The debugger has set its breakpoints and says go (as for `node --inspect-brk`).
      if (text.includes('"Runtime.runIfWaitingForDebugger"')) this.go();
    });
    socket.on('close', dispose);
    socket.on('error', dispose);
  }

  /** Ends every debugger connection and its inspector session (an isolate must outlive its sessions). */
  async close(): Promise<void> {
    for (const [socket, dispose] of [...this.sockets]) {
      dispose();
      socket.terminate();
    }
    this.wss.close();
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }
}
