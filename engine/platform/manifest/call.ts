/** A trigger's `call`: `file:function`, e.g. `handlers.ts:onHello` or `lib/jobs.ts:nightly`. */

export interface CallTarget {
  /** Project-relative, `/`-separated. */
  file: string;
  /** The exported function's name. */
  function: string;
}

const FUNCTION_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Splits a well-formed call; `undefined` when `callProblem` has something to say. */
export function parseCall(call: string): CallTarget | undefined {
  if (callProblem(call) !== undefined) return undefined;
  const colon = call.lastIndexOf(':');
  return { file: call.slice(0, colon), function: call.slice(colon + 1) };
}

/** Why `call` is not a well-formed `file:function`, or undefined when it is. */
export function callProblem(call: string): string | undefined {
  const parts = call.split(':');
  if (parts.length !== 2) {
    return parts.length === 1
      ? 'is not of the form file:function (no ":")'
      : 'is not of the form file:function (more than one ":")';
  }
  const [file = '', name = ''] = parts;
  if (file === '') return 'has no file before ":"';
  if (name === '') return 'has no function after ":"';
  if (/\s/.test(call)) return 'contains whitespace';
  if (file.includes('\\')) return 'uses "\\" in the file path; use "/"';
  if (file.startsWith('/')) return 'has an absolute file path; paths are relative to the project directory';
  if (file.startsWith('./')) return 'starts with "./"; write the path without it';
  if (file.split('/').some((segment) => segment === '..' || segment === '.' || segment === '')) {
    return 'has a file path with "..", "." or an empty segment; paths stay inside the project';
  }
  if (!FUNCTION_NAME.test(name))
    return `names ${JSON.stringify(name)}, which is not a JavaScript function name`;
  return undefined;
}
