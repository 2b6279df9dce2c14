/**
 * Small projects the sandbox tests build with the real builder. Each export of `workflows.ts` is a
 * workflow entry exercising one behaviour.
 */

export const ACTIVITIES = `
import { activityInfo, heartbeat, cancellationSignal, getSecret, getVariable, log, ApplicationFailure, readTextResource } from 'whisker/activity';

let calls = 0;
export function countCalls(): number {
  calls += 1;
  return calls;
}

export async function greet(name: string): Promise<string> {
  return 'hello ' + name;
}

export function add(a: number, b: number): number {
  return a + b;
}

export async function info() {
  return { info: activityInfo(), variable: getVariable('region'), secret: getSecret('token') };
}

export async function beat(count: number): Promise<number> {
  for (let i = 0; i < count; i++) heartbeat({ step: i });
  log.info('beat done', { count });
  console.warn('console from activity');
  return count;
}

export async function waitForCancel(): Promise<string> {
  const signal = cancellationSignal();
  return new Promise((resolve) => {
    signal.addEventListener('abort', () => resolve('saw abort: ' + String((signal.reason as Error).message)));
  });
}

export function spinSync(): number {
  for (;;) {}
}

export async function spinAfterAwait(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 5));
  for (;;) {}
}

export async function sleepy(ms: number): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return 'slept ' + ms;
}

export async function failing(kind: string): Promise<never> {
  if (kind === 'app') throw ApplicationFailure.create({ message: 'card declined', type: 'CardDeclined', nonRetryable: true, details: [{ card: '4242' }] });
  if (kind === 'type') throw new TypeError('bad input');
  throw 'a string';
}

export async function resource(): Promise<string> {
  return readTextResource('templates/mail.txt');
}

export async function fetchText(url: string): Promise<{ status: number; text: string; redirected: boolean }> {
  const response = await fetch(url);
  return { status: response.status, text: await response.text(), redirected: response.redirected };
}

export async function fetchError(url: string): Promise<string> {
  try {
    await fetch(url);
    return 'fetched';
  } catch (error) {
    return String((error as { code?: string }).code) + ': ' + (error as Error).message;
  }
}

export async function escapes(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const attempt = (name: string, fn: () => unknown) => {
    try { out[name] = String(fn()); } catch (error) { out[name] = 'blocked: ' + (error as Error).name; }
  };
  attempt('constructor', () => ({}).constructor.constructor('return typeof process')());
  attempt('functionProcess', () => Function('return typeof process')());
  attempt('require', () => typeof (globalThis as Record<string, unknown>).require);
  attempt('secretInWorkflowVar', () => getVariable('token'));
  return out;
}

export function globalNames(): string[] {
  return Object.getOwnPropertyNames(globalThis).sort();
}

export async function hog(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 1));
  const hold: unknown[] = [];
  for (;;) hold.push(new Array(100_000).fill(hold.length));
}
`;

export const WORKFLOWS = `
import {
  proxyActivities, sleep, condition, defineSignal, defineQuery, setHandler, nextSignal, startChild,
  executeChild, CancellationScope, isCancellation, workflowInfo, uuid4, log, ApplicationFailure,
  patched, deprecatePatch, getVariable, respond, readResource, readTextResource,
} from 'whisker/workflow';
import * as workflowApi from 'whisker/workflow';
import { greet, add } from './activities';

const acts = proxyActivities<typeof import('./activities')>({ startToCloseTimeout: '1m', retry: { maximumAttempts: 3, initialInterval: '2s' } });

export async function main(input: { name: string }) {
  const hello = await greet(input.name);
  await sleep('5s');
  return { hello };
}

export async function determinism() {
  const values = {
    now: Date.now(),
    date: new Date().toISOString(),
    dateString: typeof Date(),
    random: [Math.random(), Math.random()],
    uuid: uuid4(),
    cryptoUuid: crypto.randomUUID(),
    bytes: Array.from(crypto.getRandomValues(new Uint8Array(4))),
    info: workflowInfo().sessionId,
  };
  log.info('values', values);
  await sleep(1000);
  return { before: values, after: Date.now(), parsed: new Date(0).getTime(), instance: new Date() instanceof Date };
}

export async function twoActivities() {
  const a = await acts.add(1, 2);
  const [b, c] = await Promise.all([acts.greet('x'), add(a, 10)]);
  return { a, b, c };
}

const approve = defineSignal<string>('approve');
const status = defineQuery<string, [string]>('status');

export async function signals() {
  let approvedBy: string | undefined;
  let state = 'waiting';
  setHandler(approve, (who) => { approvedBy = who; });
  setHandler(status, (prefix) => prefix + ':' + state);
  const ok = await condition(() => approvedBy !== undefined, '1h');
  state = 'approved';
  const comment = await nextSignal<string>('comment', { timeout: '10m' });
  return { ok, approvedBy, comment };
}

export async function bufferedSignals() {
  await sleep(10);
  const first = await nextSignal('note');
  const second = await nextSignal('note');
  return [first, second];
}

export async function queryCommand() {
  setHandler(defineQuery('bad'), () => { void sleep(1); return 1; });
  setHandler(defineQuery('async'), () => Promise.resolve(1));
  await sleep('1h');
}

export async function cancellable() {
  try {
    await acts.greet('slow');
    return 'finished';
  } catch (error) {
    if (!isCancellation(error)) throw error;
    const cleaned = await CancellationScope.nonCancellable(() => acts.greet('cleanup'));
    return 'cleaned: ' + cleaned;
  }
}

export async function cancellationTypes() {
  const waiting = proxyActivities<typeof import('./activities')>({ cancellationType: 'wait-cancellation-completed' });
  const abandoning = proxyActivities<typeof import('./activities')>({ cancellationType: 'abandon' });
  const outcomes: string[] = [];
  const scope = new CancellationScope();
  const a = scope.run(() => waiting.greet('wait')).then(() => 'a resolved', (e) => 'a ' + (isCancellation(e) ? 'cancelled' : 'failed'));
  const b = scope.run(() => abandoning.greet('abandon')).then(() => 'b resolved', (e) => 'b ' + (isCancellation(e) ? 'cancelled' : 'failed'));
  await sleep(1);
  scope.cancel();
  outcomes.push(await b);
  outcomes.push(await a);
  return outcomes;
}

export async function scopes() {
  const results: string[] = [];
  const scope = new CancellationScope();
  const inner = scope.run(async () => {
    await sleep(1000);
    results.push('inner done');
  });
  scope.cancel('by hand');
  try { await inner; } catch (error) { results.push('inner: ' + (isCancellation(error) ? 'cancelled' : 'other')); }
  try {
    await CancellationScope.withTimeout('1s', () => sleep('1h'));
  } catch (error) {
    results.push('timeout: ' + (isCancellation(error) ? 'cancelled' : 'other'));
  }
  return results;
}

export async function uncaughtCancel() {
  await sleep('1h');
}

export async function children() {
  const handle = await startChild<number>('workflows.ts:childWork', { input: 2, idempotencyKey: 'k1' });
  const direct = await executeChild<number>('workflows.ts:childWork', { input: 3 });
  return { id: handle.sessionId, result: await handle.result(), direct };
}

export async function childWork(n: number) {
  return n * 10;
}

export async function throws() {
  await sleep(1);
  throw new TypeError('boom at line');
}

export async function appFailure() {
  try {
    await acts.failing('app');
  } catch (error) {
    const failure = error as ApplicationFailure;
    return { name: failure.name, type: failure.type, nonRetryable: failure.nonRetryable, details: failure.details, isApp: failure instanceof ApplicationFailure };
  }
  return 'no failure';
}

export async function weakRef() {
  try { new WeakRef({}); } catch (error) { log.warn('caught ' + (error as Error).message); }
  return 'swallowed';
}

export async function interval() {
  setInterval(() => undefined, 10);
}

export async function timers() {
  const fired: string[] = [];
  setTimeout(() => fired.push('a'), 100);
  const b = setTimeout(() => fired.push('b'), 200);
  clearTimeout(b);
  await sleep(300);
  return fired;
}

export async function patchedFlow() {
  if (patched('v2')) {
    await acts.greet('new');
  } else {
    await acts.greet('old');
  }
  deprecatePatch('v0');
  return patched('v2');
}

export async function webhook(input: { id: string }) {
  respond({ status: 201, headers: { 'content-type': 'application/json' }, body: { id: input.id } });
  return getVariable('region');
}

export async function resources() {
  const text = readTextResource('templates/mail.txt');
  const bytes = readResource('./templates/mail.txt').length;
  let missing = '';
  try { readResource('nope.txt'); } catch (error) { missing = (error as { code: string }).code; }
  return { text, bytes, missing };
}

export async function fetchFlow(url: string) {
  const response = await fetch(url, { method: 'POST', headers: { 'x-a': '1' }, body: 'hi' });
  return { status: response.status, ok: response.ok, text: await response.text(), type: response.headers.get('content-type') };
}

export async function badOptions() {
  proxyActivities({ startToCloseTimeout: 'soon' as never });
}

export async function notSerializable() {
  await acts.greet((() => 1) as never);
}

export async function loop() {
  for (;;) {}
}

export async function microtaskLoop() {
  const spin = (): Promise<void> => Promise.resolve().then(spin);
  await spin();
}

export async function grow() {
  // Large steps (8 MB each): the 64 MB limit is reached in a few allocations, long before the
  // 200 ms CPU limit even on a slow, busy machine (small steps made V8 collect near the limit
  // until the CPU limit won the race).
  const hold: unknown[] = [];
  for (;;) hold.push(new Array(1_000_000).fill(hold.length));
}

export async function bigBuffer() {
  try {
    new ArrayBuffer(2 ** 30);
    return 'allocated';
  } catch (error) {
    return 'refused: ' + (error as Error).name;
  }
}

export async function abortPattern() {
  const big = new Array(2 ** 27).fill(0);
  return big.length;
}

export async function idle() {
  await sleep('1d');
}

export async function escapes() {
  const out: Record<string, string> = {};
  const attempt = (name: string, fn: () => unknown) => {
    try { out[name] = String(fn()); } catch (error) { out[name] = 'blocked: ' + (error as Error).name; }
  };
    attempt('constructorChain', () => ({}).constructor.constructor('return typeof process')());
  // The classic payload, verbatim, in sloppy global code (indirect eval) where \`this\` is the global object.
  attempt('classicPayload', () => (0, eval)("this.constructor.constructor('return process')()"));
  attempt('thisConstructor', () => (function (this: unknown) { return (this as object)?.constructor.constructor('return this')(); })().toString());
  attempt('globalProcess', () => typeof (globalThis as Record<string, unknown>).process);
  attempt('require', () => typeof (globalThis as Record<string, unknown>).require);
  attempt('evalRequire', () => (0, eval)('typeof require + typeof module + typeof process'));
  attempt('prepareStackTrace', () => {
    (Error as unknown as { prepareStackTrace: unknown }).prepareStackTrace = (_e: unknown, frames: { getThis(): unknown; getFunction(): unknown; getFileName(): string }[]) =>
      frames.map((f) => [typeof f.getThis(), typeof f.getFunction(), f.getFileName()].join('/')).join(',');
    const stack = new Error('x').stack;
    (Error as unknown as { prepareStackTrace: unknown }).prepareStackTrace = undefined;
    return stack;
  });
  attempt('lookupGetter', () => {
    const getter = ({} as { __lookupGetter__(name: string): unknown }).__lookupGetter__('__proto__') as () => unknown;
    const proto = getter.call(getter);
    return (proto as { constructor: FunctionConstructor }).constructor('return typeof process')();
  });
  attempt('promiseSpecies', () => {
    class Evil extends Promise<unknown> {
      static get [Symbol.species](): PromiseConstructor {
        return function (this: unknown, executor: (a: unknown, b: unknown) => void) {
          executor((v: unknown) => { out.speciesResolved = typeof v; }, () => undefined);
          out.speciesProcess = Function('return typeof process')() as string;
        } as unknown as PromiseConstructor;
      }
    }
    return String(Evil.resolve(1).then(() => 1));
  });
  attempt('sharedArrayBuffer', () => typeof (globalThis as Record<string, unknown>).SharedArrayBuffer + typeof (globalThis as Record<string, unknown>).Atomics + typeof (globalThis as Record<string, unknown>).WebAssembly);
  let dynamicImport = 'no result';
  try {
    const specifier = ['f', 's'].join('');
    await import(/* @vite-ignore */ specifier);
    dynamicImport = 'imported';
  } catch (error) {
    dynamicImport = 'blocked: ' + (error as Error).name;
  }
  out.dynamicImport = dynamicImport;
  // Pollution: the API object and its functions, the global object and the built-ins are frozen
  // (Object.prototype and Array.prototype are only non-extensible, and checked: see
  // polluteObjectPrototype and replaceArrayMethod).
  const api = (workflowApi as unknown as { default: Record<string, unknown> }).default;
  try { api.sleep = () => 'evil'; out.apiPollution = 'assigned'; } catch (error) { out.apiPollution = 'blocked: ' + (error as Error).name; }
  try { (proxyActivities as unknown as Record<string, unknown>).polluted = 1; out.functionPollution = 'assigned'; } catch (error) { out.functionPollution = 'blocked: ' + (error as Error).name; }
  attempt('functionPrototypePollution', () => { (Function.prototype as unknown as Record<string, unknown>).polluted = 'yes'; });
  attempt('promisePrototypePollution', () => { (Promise.prototype as unknown as Record<string, unknown>).then = () => 'evil'; });
  attempt('mathPollution', () => { (Math as unknown as Record<string, unknown>).random = () => 4; });
  attempt('globalWrite', () => { (globalThis as Record<string, unknown>).leak = 'yes'; });
  attempt('globalReplace', () => { (globalThis as Record<string, unknown>).Date = null; });
  attempt('iteratorPollution', () => { (Object.getPrototypeOf([][Symbol.iterator]()) as Record<string, unknown>).next = () => ({ done: true }); });
  return out;
}

export async function polluteObjectPrototype() {
  (Object.prototype as Record<string, unknown>).polluted = 'yes';
  return 'polluted';
}

export async function deleteArrayMethod() {
  delete (Array.prototype as unknown as Record<string, unknown>).flat;
  return 'deleted';
}

export async function arrayFlat() {
  return [[1], [2, [3]]].flat(2).join(',');
}

export async function replaceArrayMethod() {
  Array.prototype.map = function () { return ['evil']; } as typeof Array.prototype.map;
  return [1, 2].map((x) => x * 2);
}

export async function pollutionVisible() {
  return {
    polluted: String(({} as Record<string, unknown>).polluted),
    functionPolluted: String((sleep as unknown as Record<string, unknown>).polluted),
    sleepIsReal: sleep.toString().includes('evil') ? 'replaced' : 'real',
    leak: String((globalThis as Record<string, unknown>).leak),
    map: [1, 2].map((x) => x * 2).join(','),
  };
}

// Errors of the user's own classes: assigning name and message on instances works with the
// error prototypes frozen (overrides are enabled for them).
class OrderError extends Error {
  constructor(message: string, readonly orderId: string) {
    super(message);
    this.name = 'OrderError';
  }
}
function LegacyError(this: { message: string; name: string }, message: string) {
  this.message = message;
}
LegacyError.prototype = Object.create(Error.prototype);
LegacyError.prototype.constructor = LegacyError;
LegacyError.prototype.name = 'LegacyError';

export async function customErrors() {
  const error = new OrderError('out of stock', 'o-1');
  const legacy = new (LegacyError as unknown as new (message: string) => Error)('old style');
  const plain = new TypeError('plain');
  plain.message = 'changed';
  return [String(error), error.name, error.orderId, error instanceof Error, String(legacy), plain.message];
}

// Module-level state: each session has its own instance of every module.
let moduleCounter = 0;
export async function counter(input: { steps: number }) {
  const seen: number[] = [];
  for (let i = 0; i < input.steps; i++) {
    moduleCounter += 1;
    seen.push(moduleCounter, Math.floor(Math.random() * 1000), Date.now());
    await sleep(1000);
  }
  return seen;
}

export function globalNames() {
  return Object.getOwnPropertyNames(globalThis).sort();
}

export async function locale() {
  return [new Date(0).toString(), (1234.5).toLocaleString(), new Intl.DateTimeFormat().resolvedOptions().timeZone];
}
`;

export const RESOURCES = { 'templates/mail.txt': 'Dear {{name}}' };

/** The main test project: workflows, activities and a resource. */
export const PROJECT: Record<string, string> = {
  'workflows.ts': WORKFLOWS,
  'activities.ts': ACTIVITIES,
  'templates/mail.txt': RESOURCES['templates/mail.txt'],
};
