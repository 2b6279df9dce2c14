/**
 * What an exception thrown by a call into an isolate means: the CPU/time limit, the memory limit
 * (isolated-vm disposes the isolate), an isolate disposed for another reason, or a bug.
 */
import type ivm from 'isolated-vm';

import type { ErrorData } from '../../common/index.js';

export interface IsolateFailure {
  code: 'CPU_LIMIT_EXCEEDED' | 'MEMORY_LIMIT_EXCEEDED' | 'ISOLATE_DISPOSED' | 'SANDBOX_RUNTIME_ERROR';
  error: ErrorData;
}

export function classifyIsolateError(
  error: unknown,
  isolate: ivm.Isolate | undefined,
  limits: { cpuLimitMs?: number; memoryLimitMb?: number; what?: string } = {},
): IsolateFailure {
  const message = error instanceof Error ? error.message : String(error);
  const what = limits.what ?? 'The workflow';
  if (/timed out/i.test(message)) {
    return {
      code: 'CPU_LIMIT_EXCEEDED',
      error: {
        name: 'CpuLimitExceededError',
        code: 'CPU_LIMIT_EXCEEDED',
        message: `${what} ran longer than its CPU limit${limits.cpuLimitMs === undefined ? '' : ` (${limits.cpuLimitMs} ms per step)`} without yielding and was stopped; look for an endless loop or move heavy computation into an activity.`,
        retryable: false,
      },
    };
  }
  if (
    /memory limit/i.test(message) ||
    (isolate?.isDisposed === true && /disposed/i.test(message) && /memory/i.test(message))
  ) {
    return {
      code: 'MEMORY_LIMIT_EXCEEDED',
      error: {
        name: 'MemoryLimitExceededError',
        code: 'MEMORY_LIMIT_EXCEEDED',
        message: `${what} exceeded the sandbox memory limit${limits.memoryLimitMb === undefined ? '' : ` (${limits.memoryLimitMb} MiB per isolate)`} and its isolate was disposed; keep less data in memory, or raise isolateMemoryLimitMb.`,
        retryable: false,
      },
    };
  }
  if (isolate?.isDisposed === true || /disposed/i.test(message)) {
    return {
      code: 'ISOLATE_DISPOSED',
      error: {
        name: 'ContextLostError',
        code: 'CONTEXT_LOST',
        message: `The sandbox isolate was disposed: ${message}`,
      },
    };
  }
  return {
    code: 'SANDBOX_RUNTIME_ERROR',
    error: {
      name: 'SandboxRuntimeError',
      code: 'SANDBOX_RUNTIME_ERROR',
      // No stack: it would show the runner's own files, which mean nothing to users.
      message: `The sandbox runtime failed: ${message}`,
    },
  };
}
