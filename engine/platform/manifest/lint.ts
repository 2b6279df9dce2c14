/**
 * `lintManifest`: the checks that need more than one field or the project's code. Pure: the
 * project is described by `context` (the integrator fills it from the build artifact), nothing
 * is executed or read.
 */
import { callProblem, parseCall } from './call.js';
import { nextScheduleTime, validateCron, validateTimezone } from './cron.js';
import { formatDuration, quote } from './describe.js';
import { makeDiagnostic, sortDiagnostics } from './diagnostics.js';
import type { ManifestDiagnostic, ManifestDiagnosticCode } from './diagnostics.js';
import { compileFilter } from './filter.js';
import { formatPath } from './path.js';
import type { PathSegment } from './path.js';
import type { ManifestSourceMap } from './source-map.js';
import { closestMatch, listWords } from './suggest.js';
import { WEBHOOK_DEFAULT_TIMEOUT_MS, WEBHOOK_MAX_TIMEOUT_MS } from './types.js';
import type { Manifest, TriggerConfig, WebhookTriggerConfig } from './types.js';

export interface ProjectFunction {
  /** Project-relative path, `/`-separated. */
  file: string;
  name: string;
}

export interface LintContext {
  /** Project-relative source files (the build artifact's `sources`). */
  files: readonly string[];
  /** Functions a trigger may call (the build artifact's `entryPoints`). */
  exportedFunctions: readonly ProjectFunction[];
  /** Activity functions (the artifact's `activities`): named in the message when a trigger calls one. */
  activities?: readonly ProjectFunction[];
  /** From `parseManifest`, to give every diagnostic a line and column. */
  sourceMap?: ManifestSourceMap;
  /** The manifest's file name when there is no source map. Default `whisker.yaml`. */
  file?: string;
  /** Reference time for "this schedule never fires". Default: now. */
  now?: Date;
}

/** Every lint rule's diagnostics, sorted by position. */
export function lintManifest(manifest: Manifest, context: LintContext): ManifestDiagnostic[] {
  const linter = new Linter(context);
  checkNames(manifest, linter);
  checkVariables(manifest, linter);
  manifest.triggers.forEach((trigger, index) => checkTrigger(manifest, trigger, index, context, linter));
  checkDuplicateTriggers(manifest, linter);
  if (manifest.triggers.length === 0) {
    linter.report(
      'NO_TRIGGERS',
      ['triggers'],
      'the project has no triggers, so only the API can start sessions',
      {
        hint: 'add a webhook, schedule, manual or connection trigger',
        at: 'key',
      },
    );
  }
  return sortDiagnostics(linter.diagnostics);
}

class Linter {
  readonly diagnostics: ManifestDiagnostic[] = [];
  private readonly file: string;

  constructor(private readonly context: LintContext) {
    this.file = context.sourceMap?.file ?? context.file ?? 'whisker.yaml';
  }

  report(
    code: ManifestDiagnosticCode,
    segments: readonly PathSegment[],
    problem: string,
    options: {
      hint?: string | undefined;
      at?: 'key' | 'value';
      inner?: { line: number; column: number };
    } = {},
  ): void {
    const path = formatPath(segments);
    const map = this.context.sourceMap;
    const position =
      map === undefined
        ? undefined
        : options.inner !== undefined
          ? map.positionInside(path, options.inner.line, options.inner.column)
          : options.at === 'key'
            ? map.keyPosition(path)
            : map.valuePosition(path);
    this.diagnostics.push(
      makeDiagnostic(code, { path, problem, file: this.file, position, hint: options.hint }),
    );
  }

  /** True when the file wrote this path (as opposed to a default). */
  written(segments: readonly PathSegment[]): boolean {
    return this.context.sourceMap?.get(formatPath(segments)) !== undefined;
  }
}

function checkNames(manifest: Manifest, linter: Linter): void {
  const lists = [
    ['vars', manifest.vars, 'variable', 'DUPLICATE_VARIABLE_NAME'],
    ['connections', manifest.connections, 'connection', 'DUPLICATE_CONNECTION_NAME'],
    ['triggers', manifest.triggers, 'trigger', 'DUPLICATE_TRIGGER_NAME'],
  ] as const;
  for (const [section, items, noun, code] of lists) {
    const firstIndex = new Map<string, number>();
    items.forEach((item: { name: string }, index: number) => {
      const first = firstIndex.get(item.name);
      if (first === undefined) {
        firstIndex.set(item.name, index);
        return;
      }
      linter.report(
        code,
        [section, index, 'name'],
        `${noun} name ${quote(item.name)} is already used by ${section}[${first}]`,
        { hint: `${noun} names must be unique in the project; rename one` },
      );
    });
  }
}

function checkVariables(manifest: Manifest, linter: Linter): void {
  manifest.vars.forEach((variable, index) => {
    if (variable.name.toUpperCase().startsWith('WHISKER_')) {
      linter.report(
        'RESERVED_VARIABLE_NAME',
        ['vars', index, 'name'],
        `variable name ${quote(variable.name)} starts with WHISKER_, which is reserved for the platform`,
        { hint: 'choose another prefix' },
      );
    }
    if (variable.secret) return;
    if (variable.value === undefined) {
      linter.report('EMPTY_VARIABLE', ['vars', index], `variable ${quote(variable.name)} has no value`, {
        hint: 'give it a `value`, or set it through the API or CLI before code reads it',
      });
    } else if (variable.value === '') {
      linter.report('EMPTY_VARIABLE', ['vars', index, 'value'], `variable ${quote(variable.name)} is empty`, {
        hint: 'give it a value, or remove it if nothing reads it',
      });
    }
  });
}

function checkTrigger(
  manifest: Manifest,
  trigger: TriggerConfig,
  index: number,
  context: LintContext,
  linter: Linter,
): void {
  const at = (...rest: PathSegment[]): PathSegment[] => ['triggers', index, ...rest];
  checkCall(trigger.call, at('call'), context, linter);
  if (trigger.filter !== undefined) {
    const compiled = compileFilter(trigger.filter);
    if (!compiled.ok) {
      const { message, line, column } = compiled.diagnostic;
      const where = trigger.filter.includes('\n') ? `line ${line}, column ${column}` : `column ${column}`;
      linter.report(
        'INVALID_FILTER',
        at('filter'),
        `invalid filter at ${where} of the expression: ${message}`,
        {
          inner: { line, column },
          hint: 'a filter is a CEL expression over `event` that gives true or false, e.g. event.data.method == "POST"',
        },
      );
    }
  }
  switch (trigger.type) {
    case 'schedule':
      checkSchedule(trigger.schedule, trigger.timezone, at, context, linter);
      break;
    case 'connection':
      if (!manifest.connections.some((connection) => connection.name === trigger.connection)) {
        const declared = manifest.connections.map((connection) => connection.name);
        const suggestion = closestMatch(trigger.connection, declared);
        linter.report(
          'UNKNOWN_CONNECTION',
          at('connection'),
          `connection ${quote(trigger.connection)} is not declared`,
          {
            hint:
              suggestion !== undefined
                ? `did you mean ${quote(suggestion)}?`
                : declared.length === 0
                  ? 'declare it under `connections:` with its integration'
                  : `declared connections: ${listWords(declared)}`,
          },
        );
      }
      break;
    case 'webhook':
      checkWebhook(manifest, trigger, at, linter);
      break;
    case 'manual':
      break;
  }
}

function checkCall(call: string, path: PathSegment[], context: LintContext, linter: Linter): void {
  const problem = callProblem(call);
  if (problem !== undefined) {
    linter.report('MALFORMED_CALL', path, `${quote(call)} ${problem}`, {
      hint: 'write file:function, e.g. handlers.ts:onHello',
    });
    return;
  }
  const target = parseCall(call);
  if (target === undefined) return;
  if (!context.files.includes(target.file)) {
    const suggestion = closestMatch(target.file, context.files);
    linter.report('CALL_FILE_NOT_FOUND', path, `file ${quote(target.file)} is not in the project`, {
      hint:
        suggestion !== undefined
          ? `did you mean ${quote(`${suggestion}:${target.function}`)}?`
          : context.files.length === 0
            ? 'the project has no source files'
            : `source files: ${listWords(context.files.slice(0, 10))}${context.files.length > 10 ? ', ...' : ''}`,
    });
    return;
  }
  const exported = context.exportedFunctions.filter((fn) => fn.file === target.file).map((fn) => fn.name);
  if (exported.includes(target.function)) return;
  const isActivity = (context.activities ?? []).some(
    (fn) => fn.file === target.file && fn.name === target.function,
  );
  if (isActivity) {
    linter.report(
      'CALL_FUNCTION_NOT_EXPORTED',
      path,
      `${quote(call)} is an activity; a trigger starts a workflow function`,
      { hint: 'call a workflow function that calls this activity' },
    );
    return;
  }
  const suggestion = closestMatch(target.function, exported);
  linter.report(
    'CALL_FUNCTION_NOT_EXPORTED',
    path,
    `file ${quote(target.file)} has no exported function ${quote(target.function)}`,
    {
      hint:
        suggestion !== undefined
          ? `did you mean ${quote(`${target.file}:${suggestion}`)}?`
          : exported.length === 0
            ? `${target.file} exports no functions; add \`export function ${target.function}\``
            : `functions exported by ${target.file}: ${listWords(exported)}`,
    },
  );
}

function checkSchedule(
  schedule: string,
  timezone: string,
  at: (...rest: PathSegment[]) => PathSegment[],
  context: LintContext,
  linter: Linter,
): void {
  const cron = validateCron(schedule);
  if (!cron.ok) {
    linter.report(
      'INVALID_CRON',
      at('schedule'),
      `invalid cron expression ${quote(schedule)}: ${cron.message}`,
      {
        hint: cron.hint,
      },
    );
  }
  const zone = validateTimezone(timezone);
  if (!zone.ok) linter.report('INVALID_TIMEZONE', at('timezone'), zone.message, { hint: zone.hint });
  if (
    cron.ok &&
    zone.ok &&
    nextScheduleTime({ schedule, timezone }, context.now ?? new Date()) === undefined
  ) {
    linter.report('SCHEDULE_NEVER_FIRES', at('schedule'), `${quote(schedule)} never fires`, {
      hint: 'check the day and month fields (for example, there is no 30 February)',
    });
  }
}

function checkWebhook(
  manifest: Manifest,
  trigger: WebhookTriggerConfig,
  at: (...rest: PathSegment[]) => PathSegment[],
  linter: Linter,
): void {
  const { sync, timeoutMs, signature } = trigger.webhook;
  if (timeoutMs <= 0 || timeoutMs > WEBHOOK_MAX_TIMEOUT_MS) {
    linter.report(
      'WEBHOOK_TIMEOUT_OUT_OF_RANGE',
      at('webhook', 'timeout'),
      `timeout ${formatDuration(timeoutMs)} is out of range; it must be more than 0 and at most ${formatDuration(WEBHOOK_MAX_TIMEOUT_MS)}`,
      { hint: 'a caller that needs longer should not wait: drop `sync` and poll or call back' },
    );
  }
  if (!sync && (timeoutMs !== WEBHOOK_DEFAULT_TIMEOUT_MS || linter.written(at('webhook', 'timeout')))) {
    linter.report(
      'WEBHOOK_TIMEOUT_WITHOUT_SYNC',
      at('webhook', 'timeout'),
      'timeout is set but sync is not true, so no caller waits and the timeout has no effect',
      { hint: 'add `sync: true`, or remove `timeout`', at: 'key' },
    );
  }
  if (signature === undefined) return;
  const variable = manifest.vars.find((candidate) => candidate.name === signature.secret);
  if (variable === undefined) {
    const secrets = manifest.vars.filter((candidate) => candidate.secret).map((candidate) => candidate.name);
    const suggestion = closestMatch(signature.secret, secrets);
    linter.report(
      'SIGNATURE_SECRET_NOT_DECLARED',
      at('webhook', 'signature', 'secret'),
      `signature secret ${quote(signature.secret)} is not a declared variable`,
      {
        hint:
          suggestion !== undefined
            ? `did you mean ${quote(suggestion)}?`
            : `declare it under \`vars:\` with \`secret: true\`, then set its value through the API or CLI`,
      },
    );
  } else if (!variable.secret) {
    linter.report(
      'SIGNATURE_SECRET_NOT_SECRET',
      at('webhook', 'signature', 'secret'),
      `signature secret ${quote(signature.secret)} is a variable not marked secret`,
      { hint: 'add `secret: true` to the variable and set its value through the API or CLI' },
    );
  }
}

/** Schedule and connection triggers that would start two sessions for every occurrence. */
function checkDuplicateTriggers(manifest: Manifest, linter: Linter): void {
  const seen = new Map<string, number>();
  manifest.triggers.forEach((trigger, index) => {
    let key: string;
    if (trigger.type === 'schedule') {
      key = JSON.stringify([
        'schedule',
        trigger.schedule,
        trigger.timezone,
        trigger.call,
        trigger.filter ?? '',
      ]);
    } else if (trigger.type === 'connection') {
      key = JSON.stringify([
        'connection',
        trigger.connection,
        trigger.eventType ?? '',
        trigger.call,
        trigger.filter ?? '',
      ]);
    } else {
      return; // Each webhook has its own URL; manual triggers start nothing on their own.
    }
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, index);
      return;
    }
    const original = manifest.triggers[first]?.name ?? '';
    linter.report(
      'DUPLICATE_TRIGGER',
      ['triggers', index],
      `trigger ${quote(trigger.name)} does the same as ${quote(original)} (triggers[${first}]): each ${
        trigger.type === 'schedule' ? 'tick' : 'event'
      } would start two sessions`,
      { hint: `remove one of them` },
    );
  });
}
