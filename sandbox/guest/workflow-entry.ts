/**
 * Entry of the workflow runtime script (bundled by the runner host, compiled once per isolate,
 * run once per context). Its completion value is `setupWorkflow`: the runner calls it once per
 * context with the resource callback, hands it the user's bundle factory (`bundle`), and then
 * creates sessions in it (`create`): one context serves many sessions of one build.
 *
 * Why shared: a V8 context per session costs ~1 ms to create and keeps its own cold copy of the
 * runtime's code (every activation ran unoptimised). Sessions of one build trust the same code;
 * what keeps them apart is that each has its own runtime and its own instance of every user
 * module (the factory runs per session), the global object and the built-ins are frozen or
 * checked (`harden.ts`), and each call names its session, whose state is swapped in first
 * (`enterWorkflowRuntime`). V8 drains microtasks at the end of every call, so no continuation
 * of one session ever runs inside another's call.
 */
import type { ErrorData } from '../../common/index.js';
import type { Job } from '../protocol.js';
import { ACTIVITY_API_NAMES, foreignApi, frozenApi } from './api-names.js';
import { NOT_PAIRED, WorkflowOp } from './entry-points.js';
import { errorToData } from './error-data.js';
import { checkSharedPrototypes, hardenSharedContext } from './harden.js';
import type { ResourceReader } from './resources.js';
import { installResourceReader } from './resources.js';
import { installStackControl } from './stack.js';
import * as workflowApi from './workflow.js';
import { installWorkflowGlobals } from './workflow-globals.js';
import type { WorkflowRuntimeSetup } from './workflow-runtime.js';
import {
  WorkflowRuntime,
  enterWorkflowRuntime,
  installedWorkflowRuntime,
  leaveWorkflowRuntime,
  workflowRuntime,
} from './workflow-runtime.js';

type BundleFactory = (whisker: { workflow: unknown; activity: unknown }) => {
  modules: Record<string, unknown>;
};

interface BundleApi {
  workflow: unknown;
  activity: unknown;
}

export type BundleAnswer = { ok: true } | { ok: false; code: string; error: ErrorData };

/** Prefix of the error every call throws once a shared context cannot be trusted (see `blame`). */
export const SHARED_CONTEXT_BROKEN = 'SHARED_CONTEXT_BROKEN';

export type WorkflowDispatch = (op: number, arg: unknown, session: number) => unknown;

export function setupWorkflow(readResource: ResourceReader): WorkflowDispatch {
  installStackControl();
  installResourceReader(readResource);
  installWorkflowGlobals(() => workflowRuntime('a workflow global'));
  const api: BundleApi = {
    workflow: frozenApi(workflowApi),
    activity: foreignApi(ACTIVITY_API_NAMES, 'whisker/activity', 'in activity code (this is workflow code)'),
  };
  hardenSharedContext([api.workflow, api.activity]);

  const runtimes = new Map<number, WorkflowRuntime>();
  let factory: BundleFactory | undefined;
  /** Set when a checked prototype could not be put back: every later call refuses. */
  let broken: string | undefined;

  /**
   * Checked whenever another session's code is about to run: a change of a shared prototype found
   * then was made by the session whose code ran last, which fails for it (at its next activation,
   * or at once if it is still in one), and no other session ever sees the change.
   */
  const blame = (runtime: WorkflowRuntime | undefined): void => {
    const found = checkSharedPrototypes();
    if (found === undefined) return;
    const reason = `the code changed a built-in shared by every session of this build (${found.change}); keep helpers in your own modules instead of patching built-ins`;
    runtime?.violate(reason);
    if (!found.restored) broken = reason;
  };

  const enter = (runtime: WorkflowRuntime): void => {
    const current = installedWorkflowRuntime();
    if (current !== runtime) blame(current);
    enterWorkflowRuntime(runtime);
  };

  return function dispatch(op: number, arg: unknown, session: number): unknown {
    if (broken !== undefined) throw new Error(`${SHARED_CONTEXT_BROKEN}: ${broken}`);
    if (op === WorkflowOp.bundle) {
      factory = arg as BundleFactory;
      return undefined;
    }
    if (op === WorkflowOp.create) {
      if (factory === undefined) throw new Error('whisker runtime: the bundle was not handed over');
      const setup = arg as WorkflowRuntimeSetup;
      const runtime = new WorkflowRuntime(setup);
      runtimes.set(session, runtime);
      enter(runtime);
      return instantiate(runtime, factory, api, setup.info.entry);
    }
    const runtime = runtimes.get(session);
    if (runtime === undefined) throw new Error(`whisker runtime: no session ${session} in this context`);
    if (op === WorkflowOp.concludeThenJob) {
      const [previousKey, job] = arg as [number, Job];
      const previous = runtimes.get(previousKey);
      if (previous === undefined)
        throw new Error(`whisker runtime: no session ${previousKey} in this context`);
      if (previous.checksConditions) return NOT_PAIRED;
      enter(previous);
      if (previous.finished) blame(previous);
      const conclusion = previous.conclude();
      enter(runtime);
      return [conclusion, runtime.deliver(job)];
    }
    if (op === WorkflowOp.release) {
      runtimes.delete(session);
      leaveWorkflowRuntime(runtime);
      return undefined;
    }
    enter(runtime);
    switch (op) {
      case WorkflowOp.job:
        return runtime.deliver(arg as Job);
      case WorkflowOp.conclude:
        // A session that ends now must not end well after changing a shared built-in.
        if (runtime.finished) blame(runtime);
        return runtime.conclude();
      case WorkflowOp.endReplay:
        return runtime.endReplay();
      case WorkflowOp.replayNext:
        return runtime.replayNext();
      case WorkflowOp.snapshot:
        return runtime.snapshot();
      case WorkflowOp.query: {
        const { name, args } = arg as { name: string; args: unknown[] };
        return runtime.query(name, args);
      }
      default:
        throw new Error(`whisker runtime: unknown operation ${op}`);
    }
  };
}

function instantiate(
  runtime: WorkflowRuntime,
  factory: BundleFactory,
  api: BundleApi,
  entry: string,
): BundleAnswer {
  let modules: Record<string, unknown>;
  try {
    modules = factory(api).modules;
  } catch (error) {
    return { ok: false, code: 'WORKFLOW_INIT_FAILED', error: errorToData(error) };
  }
  const separator = entry.lastIndexOf(':');
  const file = entry.slice(0, separator);
  const name = entry.slice(separator + 1);
  const namespace = separator > 0 ? (modules[file] as Record<string, unknown> | undefined) : undefined;
  const fn = namespace?.[name];
  if (typeof fn !== 'function') {
    const available: string[] = [];
    for (const [path, exports] of Object.entries(modules)) {
      for (const [exported, value] of Object.entries(exports as Record<string, unknown>)) {
        if (typeof value === 'function') available.push(`${path}:${exported}`);
      }
    }
    const what =
      namespace === undefined
        ? `no workflow file ${JSON.stringify(file)}`
        : `${file} exports no function ${JSON.stringify(name)}`;
    return {
      ok: false,
      code: 'ENTRY_NOT_FOUND',
      error: {
        name: 'EntryNotFoundError',
        code: 'ENTRY_NOT_FOUND',
        message: `Entry point ${JSON.stringify(entry)} not found: the build has ${what}. Entry points: ${available.slice(0, 30).join(', ') || 'none'}.`,
        retryable: false,
      },
    };
  }
  runtime.setEntry(fn as (input: unknown) => unknown);
  return { ok: true };
}
