/**
 * Entry of the workflow runtime script (bundled by the runner host, compiled once per isolate,
 * run once per context). Its completion value is `setupWorkflow`: the runner calls it with the
 * resource callback and the session's setup, then hands the user's bundle factory to `dispatch`.
 */
import type { ErrorData } from '../../common/index.js';
import type { Job } from '../protocol.js';
import { ACTIVITY_API_NAMES, foreignApi, frozenApi } from './api-names.js';
import { WorkflowOp } from './entry-points.js';
import { errorToData } from './error-data.js';
import type { ResourceReader } from './resources.js';
import { installResourceReader } from './resources.js';
import { installStackControl } from './stack.js';
import * as workflowApi from './workflow.js';
import { installWorkflowGlobals } from './workflow-globals.js';
import type { WorkflowRuntimeSetup } from './workflow-runtime.js';
import { WorkflowRuntime, installWorkflowRuntime } from './workflow-runtime.js';

type BundleFactory = (whisker: { workflow: unknown; activity: unknown }) => {
  modules: Record<string, unknown>;
};

export type BundleAnswer = { ok: true } | { ok: false; code: string; error: ErrorData };

export function setupWorkflow(
  readResource: ResourceReader,
  setup: WorkflowRuntimeSetup,
): (op: number, arg: unknown) => unknown {
  installStackControl();
  const runtime = new WorkflowRuntime(setup);
  installWorkflowRuntime(runtime);
  installResourceReader(readResource);
  installWorkflowGlobals(runtime);

  return function dispatch(op: number, arg: unknown): unknown {
    switch (op) {
      case WorkflowOp.job:
        return runtime.deliver(arg as Job);
      case WorkflowOp.conclude:
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
      case WorkflowOp.bundle:
        return instantiate(runtime, arg as BundleFactory, setup.info.entry);
      default:
        throw new Error(`whisker runtime: unknown operation ${op}`);
    }
  };
}

function instantiate(runtime: WorkflowRuntime, factory: BundleFactory, entry: string): BundleAnswer {
  let modules: Record<string, unknown>;
  try {
    const api = {
      workflow: frozenApi(workflowApi),
      activity: foreignApi(
        ACTIVITY_API_NAMES,
        'whisker/activity',
        'in activity code (this is workflow code)',
      ),
    };
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
