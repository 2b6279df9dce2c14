import { describe, expect, it } from 'vitest';
import {
  callProblem,
  checkManifest,
  lintManifest,
  MANIFEST_DIAGNOSTIC_CODES,
  parseCall,
  parseManifest,
} from '../../../../engine/platform/manifest/index.js';
import type {
  ManifestDiagnostic,
  ManifestDiagnosticCode,
} from '../../../../engine/platform/manifest/index.js';
import { fixture, projectContext, summarise } from './helpers.js';

const HEAD = 'version: 1\nproject: { name: p }\n';
const MANUAL = 'triggers:\n  - { name: t, type: manual, call: handlers.ts:run }\n';

function lint(yaml: string): ManifestDiagnostic[] {
  const result = checkManifest(yaml, projectContext);
  expect(result.manifest, JSON.stringify(result.diagnostics)).toBeDefined();
  return result.diagnostics;
}

interface Case {
  name: string;
  yaml: string;
  /** `CODE path line:column`, all diagnostics, in order. */
  expected: string[];
  /** A fragment of the first diagnostic's message or hint. */
  says?: string;
}

const cases: Case[] = [
  {
    name: 'duplicate variable names',
    yaml: `${HEAD}vars:\n  - { name: A, value: "1" }\n  - { name: A, value: "2" }\n${MANUAL}`,
    expected: ['DUPLICATE_VARIABLE_NAME vars[1].name 5:13'],
    says: 'variable name "A" is already used by vars[0]',
  },
  {
    name: 'duplicate connection names',
    yaml: `${HEAD}connections:\n  - { name: gh, integration: github }\n  - { name: gh, integration: gitlab }\n${MANUAL}`,
    expected: ['DUPLICATE_CONNECTION_NAME connections[1].name 5:13'],
    says: 'connection name "gh" is already used by connections[0]',
  },
  {
    name: 'duplicate trigger names',
    yaml: `${HEAD}${MANUAL}  - { name: t, type: manual, call: handlers.ts:onHello }\n`,
    expected: ['DUPLICATE_TRIGGER_NAME triggers[1].name 5:13'],
    says: 'trigger name "t" is already used by triggers[0]',
  },
  {
    name: 'a reserved variable name',
    yaml: `${HEAD}vars:\n  - name: whisker_home\n    value: x\n${MANUAL}`,
    expected: ['RESERVED_VARIABLE_NAME vars[0].name 4:11'],
  },
  {
    name: 'variables without a value or with an empty one',
    yaml: `${HEAD}vars:\n  - name: REGION\n  - name: EMPTY\n    value: ""\n  - name: TOKEN\n    secret: true\n${MANUAL}`,
    expected: ['EMPTY_VARIABLE vars[0] 4:5', 'EMPTY_VARIABLE vars[1].value 6:12'],
    says: 'variable "REGION" has no value',
  },
  {
    name: 'a call without a colon',
    yaml: `${HEAD}triggers:\n  - name: t\n    type: manual\n    call: handlers.ts\n`,
    expected: ['MALFORMED_CALL triggers[0].call 6:11'],
    says: '"handlers.ts" is not of the form file:function (no ":")',
  },
  {
    name: 'calls with a path that leaves the project or a name that is not a function',
    yaml:
      `${HEAD}triggers:\n` +
      '  - { name: a, type: manual, call: "./handlers.ts:run" }\n' +
      '  - { name: b, type: manual, call: "../x.ts:run" }\n' +
      '  - { name: c, type: manual, call: "/abs.ts:run" }\n' +
      '  - { name: d, type: manual, call: "handlers.ts:on-hello" }\n' +
      '  - { name: e, type: manual, call: "a:b:c" }\n' +
      '  - { name: f, type: manual, call: "handlers.ts: run" }\n' +
      '  - { name: g, type: manual, call: "lib\\\\util.ts:run" }\n',
    expected: [
      'MALFORMED_CALL triggers[0].call 4:36',
      'MALFORMED_CALL triggers[1].call 5:36',
      'MALFORMED_CALL triggers[2].call 6:36',
      'MALFORMED_CALL triggers[3].call 7:36',
      'MALFORMED_CALL triggers[4].call 8:36',
      'MALFORMED_CALL triggers[5].call 9:36',
      'MALFORMED_CALL triggers[6].call 10:36',
    ],
    says: 'starts with "./"',
  },
  {
    name: 'a call to a file that is not in the project',
    yaml: `${HEAD}triggers:\n  - name: t\n    type: manual\n    call: handler.ts:run\n`,
    expected: ['CALL_FILE_NOT_FOUND triggers[0].call 6:11'],
    says: 'did you mean "handlers.ts:run"?',
  },
  {
    name: 'a call to a function the file does not export',
    yaml: `${HEAD}triggers:\n  - name: on-issue\n    type: manual\n    call: handlers.ts:onIssues\n`,
    expected: ['CALL_FUNCTION_NOT_EXPORTED triggers[0].call 6:11'],
    says: 'triggers[0].call: file "handlers.ts" has no exported function "onIssues"',
  },
  {
    name: 'a call to an activity, and to a file that exports nothing',
    yaml:
      `${HEAD}triggers:\n` +
      '  - { name: a, type: manual, call: activities.ts:fetchIssue }\n' +
      '  - { name: b, type: manual, call: lib/util.ts:helper }\n',
    expected: [
      'CALL_FUNCTION_NOT_EXPORTED triggers[0].call 4:36',
      'CALL_FUNCTION_NOT_EXPORTED triggers[1].call 5:36',
    ],
    says: 'is an activity',
  },
  {
    name: 'a connection trigger on an undeclared connection',
    yaml: `${HEAD}connections:\n  - { name: github, integration: github }\ntriggers:\n  - name: t\n    type: connection\n    connection: gihub\n    call: handlers.ts:onIssue\n`,
    expected: ['UNKNOWN_CONNECTION triggers[0].connection 8:17'],
    says: 'did you mean "github"?',
  },
  {
    name: 'invalid cron expressions',
    yaml:
      `${HEAD}triggers:\n` +
      '  - { name: a, type: schedule, schedule: "61 * * * *", call: handlers.ts:run }\n' +
      '  - { name: b, type: schedule, schedule: "* * *", call: handlers.ts:run }\n' +
      '  - { name: c, type: schedule, schedule: "0 3 ? * *", call: handlers.ts:run }\n' +
      '  - { name: d, type: schedule, schedule: "@midnight", call: handlers.ts:run }\n' +
      '  - { name: e, type: schedule, schedule: "2030-01-01T00:00:00", call: handlers.ts:run }\n',
    expected: [
      'INVALID_CRON triggers[0].schedule 4:42',
      'INVALID_CRON triggers[1].schedule 5:42',
      'INVALID_CRON triggers[2].schedule 6:42',
      'INVALID_CRON triggers[3].schedule 7:42',
      'INVALID_CRON triggers[4].schedule 8:42',
    ],
    says: 'invalid cron expression "61 * * * *": Invalid value for minute: 61',
  },
  {
    name: 'a schedule that never fires',
    yaml: `${HEAD}triggers:\n  - name: t\n    type: schedule\n    schedule: "0 0 30 2 *"\n    call: handlers.ts:run\n`,
    expected: ['SCHEDULE_NEVER_FIRES triggers[0].schedule 6:15'],
  },
  {
    name: 'an unknown time zone, and an offset instead of a zone name',
    yaml:
      `${HEAD}triggers:\n` +
      '  - { name: a, type: schedule, schedule: "@daily", timezone: Mars/Olympus, call: handlers.ts:run }\n' +
      '  - { name: b, type: schedule, schedule: "@hourly", timezone: "+02:00", call: handlers.ts:run }\n',
    expected: ['INVALID_TIMEZONE triggers[0].timezone 4:62', 'INVALID_TIMEZONE triggers[1].timezone 5:63'],
    says: 'unknown time zone "Mars/Olympus"',
  },
  {
    name: 'filters with a syntax error, pointing inside the expression (plain, quoted, literal block)',
    yaml:
      `${HEAD}triggers:\n` +
      '  - name: a\n    type: manual\n    call: handlers.ts:run\n    filter: event.data.x ==\n' +
      '  - name: b\n    type: manual\n    call: handlers.ts:run\n    filter: \'event.data.method == "POST" &&\'\n' +
      '  - name: c\n    type: manual\n    call: handlers.ts:run\n    filter: |\n      event.type == "x" &&\n        event.data.y = 2\n',
    expected: [
      'INVALID_FILTER triggers[0].filter 7:26',
      'INVALID_FILTER triggers[1].filter 11:42',
      'INVALID_FILTER triggers[2].filter 17:22',
    ],
    says: 'triggers[0].filter: invalid filter at column 14 of the expression: syntax error',
  },
  {
    name: 'filters with an unknown variable or function, a constant type error, or a non-boolean result',
    yaml:
      `${HEAD}triggers:\n` +
      '  - { name: a, type: manual, call: handlers.ts:run, filter: request.method == "POST" }\n' +
      '  - { name: b, type: manual, call: handlers.ts:run, filter: "lower(event.type) == \\"x\\"" }\n' +
      '  - { name: c, type: manual, call: handlers.ts:run, filter: "event.type == 1 + \\"a\\"" }\n' +
      '  - { name: d, type: manual, call: handlers.ts:run, filter: "event.data.items.map(i, i.id)" }\n',
    expected: [
      'INVALID_FILTER triggers[0].filter 4:61',
      'INVALID_FILTER triggers[1].filter 5:62',
      'INVALID_FILTER triggers[2].filter 6:78',
      'INVALID_FILTER triggers[3].filter 7:78',
    ],
    says: 'unknown variable "request"',
  },
  {
    name: 'a webhook timeout out of range',
    yaml:
      `${HEAD}triggers:\n` +
      '  - { name: a, type: webhook, call: handlers.ts:run, webhook: { sync: true, timeout: 10m } }\n' +
      '  - { name: b, type: webhook, call: handlers.ts:run, webhook: { sync: true, timeout: 0s } }\n',
    expected: [
      'WEBHOOK_TIMEOUT_OUT_OF_RANGE triggers[0].webhook.timeout 4:86',
      'WEBHOOK_TIMEOUT_OUT_OF_RANGE triggers[1].webhook.timeout 5:86',
    ],
    says: 'timeout 10m is out of range; it must be more than 0 and at most 5m',
  },
  {
    name: 'a webhook timeout without sync',
    yaml: `${HEAD}triggers:\n  - name: t\n    type: webhook\n    call: handlers.ts:run\n    webhook:\n      timeout: 30s\n`,
    expected: ['WEBHOOK_TIMEOUT_WITHOUT_SYNC triggers[0].webhook.timeout 8:7'],
  },
  {
    name: 'a signature secret that is not declared',
    yaml:
      `${HEAD}vars:\n  - { name: GITHUB_SECRET, secret: true }\n` +
      'triggers:\n  - name: t\n    type: webhook\n    call: handlers.ts:run\n' +
      '    webhook:\n      signature: { type: github, secret: GITHUB_SECRT }\n',
    expected: ['SIGNATURE_SECRET_NOT_DECLARED triggers[0].webhook.signature.secret 10:42'],
    says: 'did you mean "GITHUB_SECRET"?',
  },
  {
    name: 'a signature secret that is not a secret',
    yaml:
      `${HEAD}vars:\n  - { name: KEY, value: visible }\n` +
      'triggers:\n  - name: t\n    type: webhook\n    call: handlers.ts:run\n' +
      '    webhook:\n      signature: { type: hmac, secret: KEY, header: X-Sig }\n',
    expected: ['SIGNATURE_SECRET_NOT_SECRET triggers[0].webhook.signature.secret 10:40'],
  },
  {
    name: 'schedule and connection triggers that do the same thing',
    yaml:
      `${HEAD}connections:\n  - { name: gh, integration: github }\ntriggers:\n` +
      '  - { name: a, type: schedule, schedule: "0 3 * * *", call: handlers.ts:run }\n' +
      '  - { name: b, type: schedule, schedule: "0  3 * * *", call: handlers.ts:run }\n' +
      '  - { name: c, type: schedule, schedule: "0 3 * * *", timezone: Europe/Paris, call: handlers.ts:run }\n' +
      '  - { name: d, type: connection, connection: gh, event_type: issues, call: handlers.ts:onIssue }\n' +
      '  - { name: e, type: connection, connection: gh, event_type: issues, call: handlers.ts:onIssue }\n' +
      '  - { name: f, type: connection, connection: gh, call: handlers.ts:onIssue }\n' +
      '  - { name: g, type: webhook, call: handlers.ts:onHello }\n' +
      '  - { name: h, type: webhook, call: handlers.ts:onHello }\n',
    expected: ['DUPLICATE_TRIGGER triggers[1] 7:5', 'DUPLICATE_TRIGGER triggers[4] 10:5'],
    says: 'trigger "b" does the same as "a" (triggers[0]): each tick would start two sessions',
  },
  {
    name: 'a project with no triggers',
    yaml: `${HEAD}vars:\n  - { name: A, value: x }\n`,
    expected: ['NO_TRIGGERS triggers 1:1'],
  },
];

describe('lintManifest rules', () => {
  for (const testCase of cases) {
    it(`reports ${testCase.name}`, () => {
      const diagnostics = lint(testCase.yaml);
      expect(summarise(diagnostics)).toEqual(testCase.expected);
      for (const diagnostic of diagnostics) {
        expect(diagnostic.severity).toBe(MANIFEST_DIAGNOSTIC_CODES[diagnostic.code].severity);
        expect(diagnostic.message.startsWith(`${diagnostic.path}: `)).toBe(true);
      }
      if (testCase.says !== undefined) {
        const first = diagnostics[0];
        expect(`${first?.message} (hint: ${first?.hint})`).toContain(testCase.says);
      }
    });
  }

  it('has a case for every lint code in the registry', () => {
    const lintCodes = Object.entries(MANIFEST_DIAGNOSTIC_CODES)
      .filter(([, info]) => info.stage === 'lint')
      .map(([code]) => code);
    const covered = new Set(cases.flatMap((c) => c.expected.map((line) => line.split(' ')[0])));
    expect(lintCodes.filter((code) => !covered.has(code))).toEqual([]);
  });

  it('finds nothing wrong with the complete fixture', () => {
    const diagnostics = lint(fixture('complete.yaml'));
    expect(summarise(diagnostics)).toEqual(['EMPTY_VARIABLE vars[3] 15:5']);
    expect(diagnostics[0]?.severity).toBe('warning');
  });

  it('works without a source map (no positions) and names the file it was given', () => {
    const { manifest } = parseManifest(
      `${HEAD}triggers:\n  - { name: t, type: manual, call: nope.ts:run }\n`,
    );
    const diagnostics = lintManifest(manifest!, { ...projectContext, file: 'other.yaml' });
    expect(diagnostics).toEqual([
      {
        code: 'CALL_FILE_NOT_FOUND' satisfies ManifestDiagnosticCode,
        severity: 'error',
        path: 'triggers[0].call',
        message: 'triggers[0].call: file "nope.ts" is not in the project',
        file: 'other.yaml',
        hint: 'source files: handlers.ts, jobs/nightly.ts, activities.ts and lib/util.ts',
      },
    ]);
  });

  it('combines parse and lint diagnostics in file order (checkManifest)', () => {
    const yaml =
      `${HEAD}vars:\n  - { name: TOKEN, secret: true, value: leaked }\n` +
      'triggers:\n  - { name: t, type: manual, call: handlers.ts:nope }\n';
    const result = checkManifest(yaml, projectContext);
    expect(summarise(result.diagnostics)).toEqual([
      'SECRET_VALUE_IN_MANIFEST vars[0].value 4:34',
      'CALL_FUNCTION_NOT_EXPORTED triggers[0].call 6:36',
    ]);
    expect(JSON.stringify(result)).not.toContain('leaked');
  });

  it('does not lint a manifest that failed the schema', () => {
    const result = checkManifest(`${HEAD}triggers:\n  - { name: t, type: manual }\n`, projectContext);
    expect(summarise(result.diagnostics)).toEqual(['SCHEMA_MISSING_FIELD triggers[0].call 4:5']);
  });
});

describe('parseCall', () => {
  it('splits file:function and refuses anything else', () => {
    expect(parseCall('jobs/nightly.ts:run')).toEqual({ file: 'jobs/nightly.ts', function: 'run' });
    expect(parseCall('handlers.ts:$on_hello2')).toEqual({ file: 'handlers.ts', function: '$on_hello2' });
    for (const bad of [
      'handlers.ts',
      ':run',
      'handlers.ts:',
      'a:b:c',
      './a.ts:b',
      'a/../b.ts:c',
      'a.ts:1st',
    ]) {
      expect(parseCall(bad), bad).toBeUndefined();
      expect(callProblem(bad), bad).toBeDefined();
    }
  });
});
