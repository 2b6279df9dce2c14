/**
 * Ambient declarations added to every type check: how resource imports are typed (they match the
 * bundler's loaders), and the globals sandboxed code has besides ECMAScript's own.
 */
import { TEXT_RESOURCE_EXTENSIONS } from './file-kinds.js';

/**
 * Globals the sandbox gives user code besides ECMAScript's (`sandbox/guest/workflow-globals.ts`
 * and the activity context): `console`, timers (durable in workflows), seeded `crypto`, `fetch` (an
 * activity in workflows), `Headers`, `Response`, `TextEncoder`, `TextDecoder`, `queueMicrotask`.
 * Added unless the project's own `lib` brings DOM or web worker globals, which declare the same
 * names.
 */
const SANDBOX_GLOBALS = `
interface Console {
  log(...data: unknown[]): void;
  info(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
  debug(...data: unknown[]): void;
}
declare var console: Console;

declare function setTimeout(handler: (...args: any[]) => void, timeout?: number, ...args: any[]): number;
declare function clearTimeout(id: number | undefined): void;
declare function setInterval(handler: (...args: any[]) => void, timeout?: number, ...args: any[]): number;
declare function clearInterval(id: number | undefined): void;
declare function queueMicrotask(callback: () => void): void;

interface Crypto {
  randomUUID(): \`\${string}-\${string}-\${string}-\${string}-\${string}\`;
  getRandomValues<T extends ArrayBufferView | null>(array: T): T;
}
declare var crypto: Crypto;

interface TextEncoder {
  readonly encoding: string;
  encode(input?: string): Uint8Array;
  encodeInto(source: string, destination: Uint8Array): { read: number; written: number };
}
declare var TextEncoder: { prototype: TextEncoder; new (): TextEncoder };
interface TextDecoder {
  readonly encoding: string;
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;
  decode(input?: ArrayBuffer | ArrayBufferView): string;
}
declare var TextDecoder: {
  prototype: TextDecoder;
  new (label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean }): TextDecoder;
};

interface Headers extends Iterable<[string, string]> {
  append(name: string, value: string): void;
  delete(name: string): void;
  get(name: string): string | null;
  getSetCookie(): string[];
  has(name: string): boolean;
  set(name: string, value: string): void;
  forEach(callback: (value: string, name: string, headers: Headers) => void): void;
  entries(): IterableIterator<[string, string]>;
  keys(): IterableIterator<string>;
  values(): IterableIterator<string>;
}
type HeadersInit = [string, string][] | Record<string, string> | Headers;
declare var Headers: { prototype: Headers; new (init?: HeadersInit): Headers };

type BodyInit = string | ArrayBuffer | ArrayBufferView;
interface RequestInit {
  method?: string;
  headers?: HeadersInit;
  body?: BodyInit | null;
  redirect?: 'follow' | 'error' | 'manual';
  /** An activity's cancellation signal (\`cancellationSignal()\` from whisker/activity). */
  signal?: unknown;
}
interface ResponseInit {
  status?: number;
  statusText?: string;
  headers?: HeadersInit;
}
interface Response {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly url: string;
  readonly redirected: boolean;
  readonly headers: Headers;
  text(): Promise<string>;
  json(): Promise<any>;
  arrayBuffer(): Promise<ArrayBuffer>;
  bytes(): Promise<Uint8Array>;
  clone(): Response;
}
declare var Response: { prototype: Response; new (body?: BodyInit | null, init?: ResponseInit): Response };
declare function fetch(input: string | { readonly href: string } | { readonly url: string }, init?: RequestInit): Promise<Response>;
`;

/**
 * The declarations for one build.
 * @param binaryExtensions extensions of the project's resources imported as bytes (`.png`, ...).
 * @param withGlobals false when the project's `lib` already declares web globals.
 */
export function sandboxEnvDeclarations(binaryExtensions: Iterable<string>, withGlobals: boolean): string {
  const modules: string[] = [];
  for (const extension of TEXT_RESOURCE_EXTENSIONS) {
    modules.push(`declare module '*${extension}' {\n  const text: string;\n  export default text;\n}`);
  }
  for (const extension of [...new Set(binaryExtensions)].sort()) {
    if (extension === '' || extension === '.json' || TEXT_RESOURCE_EXTENSIONS.includes(extension)) continue;
    modules.push(`declare module '*${extension}' {\n  const bytes: Uint8Array;\n  export default bytes;\n}`);
  }
  return `${withGlobals ? SANDBOX_GLOBALS : ''}\n${modules.join('\n')}\n`;
}
