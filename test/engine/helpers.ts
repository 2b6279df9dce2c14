/** Shared set-up for engine tests: one sandbox per test file, the fixture project, host activities. */
import { fileURLToPath } from 'node:url';
import { activityContext, createEngine } from '../../engine/index.js';
import type { BuildInfo, Engine, EngineOptions, HostActivityFunction } from '../../engine/index.js';
import { createSandbox } from '../../sandbox/index.js';
import type { Sandbox } from '../../sandbox/index.js';

export const APP_DIR = fileURLToPath(new URL('./fixtures/app', import.meta.url));

/** Host activities with side-effect counters the tests read. */
export class HostEffects {
  readonly counts = new Map<string, number>();
  readonly failures = new Map<string, number>();
  readonly blocked = new Set<string>();

  activities(): Record<string, HostActivityFunction> {
    return {
      effect: (key: string) => {
        const n = (this.counts.get(key) ?? 0) + 1;
        this.counts.set(key, n);
        return n;
      },
      failTimes: (key: string, times: number) => {
        const failed = this.failures.get(key) ?? 0;
        if (failed < times) {
          this.failures.set(key, failed + 1);
          throw new Error(`failure ${failed + 1} of ${times} for ${key}`);
        }
        return `ok after ${failed} failures`;
      },
      block: (key: string) =>
        new Promise<string>((_resolve, reject) => {
          this.blocked.add(key);
          const { signal } = activityContext();
          signal.addEventListener('abort', () => {
            this.blocked.delete(key);
            reject(new Error(`unblocked by abort: ${String((signal.reason as Error | undefined)?.message)}`));
          });
        }),
    };
  }
}

export interface TestEngine {
  engine: Engine;
  build: BuildInfo;
  effects: HostEffects;
  start(entry: string, input?: unknown): Promise<string>;
}

export async function sharedSandbox(): Promise<Sandbox> {
  return createSandbox({ runners: 1, activationCpuLimitMs: 500 });
}

export async function testEngine(sandbox: Sandbox, options: EngineOptions = {}): Promise<TestEngine> {
  const effects = new HostEffects();
  const engine = await createEngine({ sandbox, activities: effects.activities(), ...options });
  const build = await engine.loadProject(APP_DIR);
  return {
    engine,
    build,
    effects,
    start: async (entry, input) =>
      (await engine.startSession({ buildId: build.buildId, entry: `workflows.ts:${entry}`, input }))
        .sessionId,
  };
}

/** Waits until `predicate` is true, polling (for conditions outside the engine's events). */
export async function eventually(
  predicate: () => boolean,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
