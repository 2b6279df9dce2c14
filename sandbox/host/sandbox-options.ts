/**
 * `SandboxOptions` → checked, with defaults → compiled (every field set). Defaults are documented
 * where the options are declared (`sandbox-types.ts`).
 */
import { availableParallelism } from 'node:os';

import { WhiskerError } from '../../common/index.js';
import type { FetchPolicy, SandboxOptions } from '../sandbox-types.js';
import type { CompiledFetchPolicy } from '../runner/wire.js';

export interface CompiledSandboxOptions {
  runners: number;
  activationCpuLimitMs: number;
  isolateMemoryLimitMb: number;
  healthCheckIntervalMs: number;
  /** 0: never. */
  runnerIdleMs: number;
  fetch: CompiledFetchPolicy;
}

export class InvalidSandboxOptionError extends WhiskerError {
  constructor(
    readonly option: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(
      'INVALID_SANDBOX_OPTION',
      `Sandbox option ${option} is ${JSON.stringify(value)}; expected ${expected}.`,
    );
  }
}

function integer(
  option: string,
  value: unknown,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidSandboxOptionError(option, value, `a whole number from ${min} to ${max}`);
  }
  return value;
}

export function compileSandboxOptions(options: SandboxOptions = {}): CompiledSandboxOptions {
  if (typeof options !== 'object' || options === null)
    throw new InvalidSandboxOptionError('options', options, 'an object');
  return {
    runners: integer('runners', options.runners, Math.max(1, availableParallelism()), 1, 256),
    activationCpuLimitMs: integer('activationCpuLimitMs', options.activationCpuLimitMs, 1_000, 1, 3_600_000),
    // isolated-vm needs at least 8 MiB. It also sizes an isolate's young generation from this limit
    // (2 MiB at 128 MiB, its cap of 16 MiB from 512 MiB): at 128 the shared contexts' scavenges run
    // eight times as often, and batched activations were a quarter slower.
    isolateMemoryLimitMb: integer('isolateMemoryLimitMb', options.isolateMemoryLimitMb, 512, 8, 65_536),
    healthCheckIntervalMs: integer(
      'healthCheckIntervalMs',
      options.healthCheckIntervalMs,
      5_000,
      10,
      3_600_000,
    ),
    runnerIdleMs: integer('runnerIdleMs', options.runnerIdleMs, 30_000, 0, 86_400_000),
    fetch: compileFetchPolicy(options.fetch ?? {}),
  };
}

function compileFetchPolicy(policy: FetchPolicy): CompiledFetchPolicy {
  if (typeof policy !== 'object' || policy === null)
    throw new InvalidSandboxOptionError('fetch', policy, 'an object');
  const allowPrivateNetwork = policy.allowPrivateNetwork ?? false;
  if (typeof allowPrivateNetwork !== 'boolean') {
    throw new InvalidSandboxOptionError('fetch.allowPrivateNetwork', allowPrivateNetwork, 'true or false');
  }
  const hosts = policy.allowedPrivateHosts ?? [];
  if (!Array.isArray(hosts) || hosts.some((host) => typeof host !== 'string' || host.trim() === '')) {
    throw new InvalidSandboxOptionError(
      'fetch.allowedPrivateHosts',
      hosts,
      'an array of host names or host:port strings',
    );
  }
  return {
    allowPrivateNetwork,
    allowedPrivateHosts: [...hosts],
    timeoutMs: integer('fetch.timeoutMs', policy.timeoutMs, 30_000, 1),
    maxResponseBytes: integer('fetch.maxResponseBytes', policy.maxResponseBytes, 10 * 1024 * 1024, 1),
    maxRedirects: integer('fetch.maxRedirects', policy.maxRedirects, 5, 0, 100),
  };
}
