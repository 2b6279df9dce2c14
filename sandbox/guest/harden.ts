/**
 * Hardening of a workflow context shared by several sessions (see `workflow-entry.ts`): what one
 * session's code could change and another's then observe must be frozen, or checked.
 *
 * - The global object is frozen: no session can add or replace a global.
 * - Every built-in reachable from it (constructors, prototypes, namespaces such as `Math` and
 *   `JSON`, the hidden iterator and function prototypes) is frozen, and so are the guest API's
 *   objects and classes. `Error.stackTraceLimit` stays writable (each session keeps its own, see
 *   `swapStackPreferences`).
 * - Assigning `name`, `message`, `toString` or `constructor` on an object that inherits them from a
 *   frozen error prototype (`this.name = 'MyError'` in an `Error` subclass) would throw (the
 *   "override mistake" of frozen prototypes): those properties become accessors whose setter
 *   defines the property on the object itself, as Hardened JavaScript (SES) does.
 * - `Array.prototype` and `Object.prototype` are NOT frozen: read-only properties there make V8
 *   give up fast paths that every array and object literal uses (measured: array-heavy code
 *   2-2.7x slower when frozen, ~1.3x with only their properties made read-only). They are made
 *   non-extensible (adding a property throws; no slowdown measured on array-, object- and
 *   class-heavy code) and their values are checked (`checkSharedPrototypes`, at every switch of
 *   sessions): a session that replaced or deleted one fails with a determinism violation, and it
 *   is put back.
 *   Being non-extensible is what keeps that check cheap: `Reflect.ownKeys` on these dictionary-mode
 *   objects, to find additions, cost ~2.4 µs a check, more than the rest of it.
 */

type Key = string | symbol;

/** Properties commonly assigned on error objects and classes (see the header). */
const ERROR_OVERRIDES: readonly string[] = ['name', 'message', 'toString', 'constructor'];

/** The built-ins checked instead of frozen (see the header). */
const CHECKED_PROTOTYPES: readonly object[] = [Array.prototype, Object.prototype];

interface PrototypeRecord {
  object: object;
  label: string;
  keys: Key[];
  descriptors: Map<Key, PropertyDescriptor>;
  /** What `keys[i]` reads as (what the check compares: this runs at every switch of sessions). */
  values: unknown[];
}

let records: PrototypeRecord[] = [];

/** Built-ins that no global names: reached through instances of the syntax that makes them. */
function hiddenIntrinsics(): unknown[] {
  const asyncFunction = async function (): Promise<void> {};
  const generator = function* (): Generator<never> {};
  const asyncGenerator = async function* (): AsyncGenerator<never> {};
  return [
    Object.getPrototypeOf(asyncFunction),
    Object.getPrototypeOf(generator),
    Object.getPrototypeOf(generator()),
    Object.getPrototypeOf(asyncGenerator),
    Object.getPrototypeOf(asyncGenerator()),
    Object.getPrototypeOf([][Symbol.iterator]()),
    Object.getPrototypeOf(new Map()[Symbol.iterator]()),
    Object.getPrototypeOf(new Set()[Symbol.iterator]()),
    Object.getPrototypeOf(''[Symbol.iterator]()),
    Object.getPrototypeOf(''.matchAll(/x/g)),
    Object.getPrototypeOf(Uint8Array),
  ];
}

function isObjectLike(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

/** Turns `name` of a frozen error prototype into an accessor that lets objects inheriting it set their own. */
function enableOverride(object: object, name: string): void {
  const descriptor = Object.getOwnPropertyDescriptor(object, name);
  if (descriptor === undefined || !('value' in descriptor) || descriptor.configurable !== true) return;
  const value: unknown = descriptor.value;
  Object.defineProperty(object, name, {
    get(): unknown {
      return value;
    },
    set(this: unknown, next: unknown): void {
      if (this === object || !isObjectLike(this)) {
        throw new TypeError(`Cannot assign to read only property '${name}' of a shared built-in`);
      }
      Object.defineProperty(this, name, {
        value: next,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    },
    enumerable: descriptor.enumerable === true,
    configurable: false,
  });
}

function freezeError(): void {
  // `stackTraceLimit` is read by V8 as a data property: it stays writable (per session, see stack.ts).
  for (const key of Reflect.ownKeys(Error)) {
    const descriptor = Object.getOwnPropertyDescriptor(Error, key);
    if (descriptor === undefined || descriptor.configurable !== true) continue;
    if (key === 'stackTraceLimit') {
      Object.defineProperty(Error, key, { ...descriptor, configurable: false });
    } else if ('value' in descriptor) {
      Object.defineProperty(Error, key, { ...descriptor, writable: false, configurable: false });
    } else {
      Object.defineProperty(Error, key, { ...descriptor, configurable: false });
    }
  }
  Object.preventExtensions(Error);
}

/** Freezes everything reachable from `roots`, except the checked prototypes (their values are frozen). */
function deepFreeze(roots: unknown[]): void {
  const seen = new Set<object>();
  const pending: object[] = [];
  const visit = (value: unknown): void => {
    if (isObjectLike(value) && !seen.has(value)) {
      seen.add(value);
      pending.push(value);
    }
  };
  for (const root of roots) visit(root);
  while (pending.length > 0) {
    const object = pending.pop() as object;
    visit(Object.getPrototypeOf(object));
    for (const key of Reflect.ownKeys(object)) {
      const descriptor = Object.getOwnPropertyDescriptor(object, key);
      if (descriptor === undefined) continue;
      if ('value' in descriptor) visit(descriptor.value);
      else {
        // The accessor functions themselves, as values (never called here).
        visit(Reflect.get(descriptor, 'get'));
        visit(Reflect.get(descriptor, 'set'));
      }
    }
    if (CHECKED_PROTOTYPES.includes(object)) continue;
    if (object === Error) {
      freezeError();
      continue;
    }
    if (object === Error.prototype || Object.prototype.isPrototypeOf.call(Error.prototype, object)) {
      for (const name of ERROR_OVERRIDES) enableOverride(object, name);
    }
    Object.freeze(object);
  }
}

function record(object: object, label: string): PrototypeRecord {
  const keys = Reflect.ownKeys(object);
  const descriptors = new Map<Key, PropertyDescriptor>();
  const values: unknown[] = [];
  for (const key of keys) {
    descriptors.set(key, Object.getOwnPropertyDescriptor(object, key) as PropertyDescriptor);
    values.push((object as Record<Key, unknown>)[key]);
  }
  return {
    object,
    label,
    keys,
    descriptors,
    values,
  };
}

/**
 * Hardens the context (see the header). Called once per context, after the runtime installed its
 * globals and before any user code runs. `extra`: objects of the runtime user code can reach
 * (the guest API objects).
 */
export function hardenSharedContext(extra: unknown[]): void {
  const global = globalThis as unknown as Record<Key, unknown>;
  const roots: unknown[] = [...hiddenIntrinsics(), ...extra];
  for (const key of Reflect.ownKeys(global)) {
    if (key !== 'globalThis') roots.push(global[key]);
  }
  deepFreeze(roots);
  Object.freeze(globalThis);
  records = [record(Array.prototype, 'Array.prototype'), record(Object.prototype, 'Object.prototype')];
  for (const entry of records) Object.preventExtensions(entry.object);
}

function describeKey(key: Key): string {
  return typeof key === 'symbol' ? `[${key.description ?? 'symbol'}]` : key;
}

/**
 * What changed on one checked prototype, or undefined. Cheap when nothing did: nothing can be
 * added (non-extensible) and the prototype of a non-extensible object cannot change, so the
 * recorded values are all there is to compare.
 */
function changeOf(entry: PrototypeRecord): string | undefined {
  const object = entry.object as Record<Key, unknown>;
  const recorded = entry.keys;
  for (let i = 0; i < recorded.length; i++) {
    const key = recorded[i] as Key;
    if (object[key] !== entry.values[i]) {
      const how = Object.hasOwn(object, key) ? 'replaced' : 'deleted';
      return `${entry.label}.${describeKey(key)} was ${how}`;
    }
  }
  return undefined;
}

/**
 * Puts a checked prototype's values back as recorded; false if it can no longer be (a deleted
 * property cannot come back to a non-extensible object, nor a redefined non-configurable one).
 */
function restore(entry: PrototypeRecord): boolean {
  let restored = true;
  for (const [key, descriptor] of entry.descriptors) {
    restored = Reflect.defineProperty(entry.object, key, descriptor) && restored;
  }
  return restored;
}

export interface SharedPrototypeChange {
  /** What changed, for the violation of the session whose code ran ("Array.prototype.map was replaced"). */
  change: string;
  /** False when the change cannot be undone: the context must be dropped. */
  restored: boolean;
}

/**
 * Checks the prototypes that are not frozen (see the header). When code changed one, it is put
 * back (if it can be) and the change is described.
 */
export function checkSharedPrototypes(): SharedPrototypeChange | undefined {
  let found: SharedPrototypeChange | undefined;
  for (const entry of records) {
    const change = changeOf(entry);
    if (change === undefined) continue;
    const restored = restore(entry);
    found = { change: found?.change ?? change, restored: restored && (found?.restored ?? true) };
  }
  return found;
}
