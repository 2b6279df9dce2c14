/**
 * A running Whisker server: the engine on the embedded file store plus the HTTP API listening on
 * a port. `whisker up` is this plus configuration and printing. Closing is graceful: readiness
 * fails and new connections are refused, open streams end, requests in flight get `closeGraceMs`
 * to finish, then the engine shuts down (in-flight activations are journaled, the journal synced).
 */
import { createEngine } from '../engine/index.js';
import type { Engine, EngineOptions } from '../engine/index.js';
import { buildApp } from './app.js';
import type { WhiskerApp } from './app.js';
import type { ApiOptions } from './options.js';

export interface ServerOptions {
  /** The data directory: journal, secret key, credentials. */
  dataDir: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  api?: ApiOptions;
  engine?: Omit<EngineOptions, 'dataDir' | 'store'>;
  /** Longest wait for requests in flight when closing. Default 10 s. */
  closeGraceMs?: number;
}

export interface RunningServer {
  /** `http://host:port` as clients reach it. */
  url: string;
  port: number;
  engine: Engine;
  app: WhiskerApp;
  /** The admin token when this start created it (the first start on a data directory). */
  adminToken?: { token: string; tokenId: string };
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const engine = await createEngine({ ...options.engine, dataDir: options.dataDir });
  let app: WhiskerApp;
  try {
    app = await buildApp({ ...options.api, engine });
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await engine.shutdown();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const admin = await engine.tokens.ensureAdmin();
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  const graceMs = options.closeGraceMs ?? 10_000;
  return {
    url: `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`,
    port,
    engine,
    app,
    ...(admin !== undefined ? { adminToken: { token: admin.token, tokenId: admin.tokenId } } : {}),
    close: () => {
      closing ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
          timer.unref();
        });
        await Promise.race([app.close(), grace]);
        if (timer !== undefined) clearTimeout(timer);
        // Requests still running after the grace period (a long synchronous webhook) are cut.
        app.server.closeAllConnections();
        await engine.shutdown();
      })();
      return closing;
    },
  };
}
