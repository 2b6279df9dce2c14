import { describe, expect, it } from 'vitest';
import {
  formatDiagnostic,
  hasErrors,
  MAX_MANIFEST_BYTES,
  parseManifest,
} from '../../../../engine/platform/manifest/index.js';
import type { Manifest } from '../../../../engine/platform/manifest/index.js';
import { fixture, summarise } from './helpers.js';

describe('parseManifest: a valid manifest', () => {
  it('normalises the complete fixture exactly', () => {
    const result = parseManifest(fixture('complete.yaml'));
    expect(result.diagnostics).toEqual([]);
    const expected: Manifest = {
      version: 1,
      project: { name: 'hello-world', description: 'Says hello in many ways' },
      vars: [
        { name: 'GREETING', secret: false, value: 'hello', description: 'What to say' },
        { name: 'GITHUB_WEBHOOK_SECRET', secret: true },
        { name: 'SIGNING_KEY', secret: true, description: 'Shared with the sender' },
        { name: 'REGION', secret: false },
      ],
      connections: [
        {
          name: 'github',
          integration: 'github',
          description: "The org's GitHub",
          config: { org: 'acme', repos: ['api', 'web'] },
        },
        { name: 'slack', integration: 'slack', config: {} },
      ],
      triggers: [
        {
          name: 'on-hello',
          type: 'webhook',
          call: 'handlers.ts:onHello',
          filter: 'event.data.method == "POST"',
          description: 'Greets the caller',
          webhook: {
            sync: true,
            timeoutMs: 60_000,
            signature: { type: 'github', secret: 'GITHUB_WEBHOOK_SECRET' },
          },
        },
        {
          name: 'on-signed',
          type: 'webhook',
          call: 'handlers.ts:onSigned',
          webhook: {
            sync: false,
            timeoutMs: 30_000,
            signature: {
              type: 'hmac',
              secret: 'SIGNING_KEY',
              header: 'X-Signature',
              algorithm: 'sha512',
              encoding: 'base64',
              prefix: 'sha512=',
            },
          },
        },
        {
          name: 'on-plain',
          type: 'webhook',
          call: 'handlers.ts:onPlain',
          webhook: { sync: false, timeoutMs: 30_000 },
        },
        {
          name: 'nightly',
          type: 'schedule',
          call: 'jobs/nightly.ts:run',
          schedule: '0 3 * * *',
          timezone: 'Europe/Paris',
        },
        {
          name: 'every-ten-seconds',
          type: 'schedule',
          call: 'jobs/nightly.ts:tick',
          schedule: '*/10 * * * * *',
          timezone: 'UTC',
        },
        { name: 'run-by-hand', type: 'manual', call: 'handlers.ts:run' },
        {
          name: 'on-issue',
          type: 'connection',
          call: 'handlers.ts:onIssue',
          connection: 'github',
          eventType: 'issues',
          filter: 'event.data.action == "opened"\n',
        },
        { name: 'on-message', type: 'connection', call: 'handlers.ts:onMessage', connection: 'slack' },
      ],
    };
    expect(result.manifest).toEqual(expected);
  });

  it('fills defaults and leaves absent optional fields absent (not undefined, not null)', () => {
    const { manifest } = parseManifest(
      'version: 1\nproject:\n  name: tiny\ntriggers:\n  - name: w\n    type: webhook\n    call: a.ts:b\n',
    );
    expect(manifest?.vars).toEqual([]);
    expect(manifest?.connections).toEqual([]);
    expect(Object.keys(manifest?.project ?? {})).toEqual(['name']);
    const trigger = manifest?.triggers[0];
    expect(trigger).toEqual({
      name: 'w',
      type: 'webhook',
      call: 'a.ts:b',
      webhook: { sync: false, timeoutMs: 30_000 },
    });
    expect(Object.keys(trigger ?? {})).toEqual(['name', 'call', 'type', 'webhook']);
  });

  it('accepts a byte-order mark and anchors with aliases', () => {
    const text =
      '\uFEFFversion: 1\nproject: { name: p }\ntriggers:\n  - &base { name: a, type: manual, call: h.ts:run }\n';
    const { manifest, diagnostics } = parseManifest(text);
    expect(diagnostics).toEqual([]);
    expect(manifest?.triggers).toEqual([{ name: 'a', type: 'manual', call: 'h.ts:run' }]);
  });

  it('converts every duration unit to milliseconds', () => {
    const timeouts = { '500ms': 500, '45s': 45_000, '1.5m': 90_000, '2m': 120_000, '1h': 3_600_000 };
    for (const [written, ms] of Object.entries(timeouts)) {
      const { manifest } = parseManifest(
        `version: 1\nproject: { name: p }\ntriggers:\n  - { name: w, type: webhook, call: a.ts:b, webhook: { timeout: ${written} } }\n`,
      );
      const trigger = manifest?.triggers[0];
      expect(trigger?.type === 'webhook' ? trigger.webhook.timeoutMs : undefined).toBe(ms);
    }
  });
});

describe('parseManifest: schema errors', () => {
  it('reports every problem at once, each with its code, path, line and column', () => {
    const result = parseManifest(fixture('schema-errors.yaml'));
    expect(result.manifest).toBeUndefined();
    expect(summarise(result.diagnostics)).toEqual([
      'UNSUPPORTED_VERSION version 1:10',
      'SCHEMA_INVALID_VALUE project.name 3:9',
      'SCHEMA_UNKNOWN_FIELD project.owner 4:3',
      'SCHEMA_INVALID_VALUE vars[0].name 6:11',
      'SCHEMA_WRONG_TYPE vars[0].value 7:12',
      'SCHEMA_MISSING_FIELD vars[1].name 8:5',
      'SCHEMA_WRONG_TYPE vars[1].secret 8:13',
      'SECRET_VALUE_IN_MANIFEST vars[2].value 11:5',
      'SCHEMA_WRONG_TYPE connections[0].config 15:13',
      'SCHEMA_UNKNOWN_FIELD triggers[0].timezone 20:5',
      'SCHEMA_WRONG_TYPE triggers[0].webhook.sync 22:13',
      'SCHEMA_INVALID_VALUE triggers[0].webhook.timeout 23:16',
      'SCHEMA_MISSING_FIELD triggers[0].webhook.signature.header 24:18',
      'SCHEMA_INVALID_VALUE triggers[0].webhook.signature.algorithm 24:58',
      'SCHEMA_INVALID_VALUE triggers[1].type 26:11',
      'SCHEMA_MISSING_FIELD triggers[2].type 28:5',
      'SCHEMA_WRONG_TYPE triggers[3] 30:5',
      'SCHEMA_INVALID_VALUE triggers[4].call 33:11',
      'SCHEMA_WRONG_TYPE triggers[4].schedule 34:15',
      'SCHEMA_WRONG_TYPE triggers[4].description 35:17',
    ]);
    expect(result.diagnostics.every((d) => d.severity === 'error' && d.file === 'whisker.yaml')).toBe(true);
  });

  it('writes messages that name the path and the value, with a hint where one helps', () => {
    const byPath = new Map(parseManifest(fixture('schema-errors.yaml')).diagnostics.map((d) => [d.path, d]));
    expect(byPath.get('triggers[0].timezone')?.message).toBe(
      'triggers[0].timezone: unknown field "timezone" (webhook trigger "on-hello")',
    );
    expect(byPath.get('triggers[0].timezone')?.hint).toBe(
      'allowed fields here: name, type, call, filter, description and webhook',
    );
    expect(byPath.get('triggers[1].type')?.message).toBe(
      'triggers[1].type: "cron" is not one of "webhook", "schedule", "manual" and "connection"',
    );
    expect(byPath.get('triggers[2].type')?.hint).toBe('one of webhook, schedule, manual and connection');
    expect(byPath.get('vars[1].secret')?.message).toBe(
      'vars[1].secret: expected true or false, got a string ("yes")',
    );
    expect(byPath.get('triggers[4].schedule')?.message).toBe(
      'triggers[4].schedule: expected a string, got a number (5)',
    );
    expect(byPath.get('version')?.message).toBe(
      'version: manifest version 2 is not supported; this Whisker reads version 1',
    );
    expect(byPath.get('project.name')?.message).toContain('"Hello World"');
    expect(formatDiagnostic(byPath.get('triggers[0].webhook.signature.header')!)).toBe(
      'whisker.yaml:24:18: error SCHEMA_MISSING_FIELD triggers[0].webhook.signature.header: required field "header" is missing',
    );
  });

  it('suggests the field a typo meant', () => {
    const { diagnostics } = parseManifest(
      'version: 1\nproject: { name: p }\ntriggers:\n  - name: n\n    type: schedule\n    call: a.ts:b\n    schedule: "@daily"\n    tiemzone: UTC\n',
    );
    expect(summarise(diagnostics)).toEqual(['SCHEMA_UNKNOWN_FIELD triggers[0].tiemzone 8:5']);
    expect(diagnostics[0]?.hint).toBe('did you mean "timezone"?');
  });

  it('never repeats a variable value, and drops a secret value while still reporting it', () => {
    const canary = 'canary-7f3a9-secret';
    const result = parseManifest(fixture('schema-errors.yaml'));
    expect(JSON.stringify(result.diagnostics)).not.toContain(canary);
    expect(JSON.stringify(result.diagnostics)).not.toContain('42');

    const valid = parseManifest(
      `version: 1\nproject: { name: p }\nvars:\n  - name: TOKEN\n    secret: true\n    value: ${canary}\n`,
    );
    expect(summarise(valid.diagnostics)).toEqual(['SECRET_VALUE_IN_MANIFEST vars[0].value 6:5']);
    expect(hasErrors(valid.diagnostics)).toBe(true);
    expect(valid.manifest?.vars).toEqual([{ name: 'TOKEN', secret: true }]);
    expect(JSON.stringify(valid)).not.toContain(canary);
  });

  it('rejects a document that is not a mapping, and an empty one', () => {
    expect(summarise(parseManifest('- a\n- b\n').diagnostics)).toEqual(['SCHEMA_WRONG_TYPE (root) 1:1']);
    expect(summarise(parseManifest('').diagnostics)).toEqual(['MANIFEST_EMPTY (root) 1:1']);
    expect(summarise(parseManifest('# only a comment\n').diagnostics)).toEqual(['MANIFEST_EMPTY (root) 1:1']);
    expect(summarise(parseManifest('version: 1\n').diagnostics)).toEqual([
      'SCHEMA_MISSING_FIELD project 1:1',
    ]);
  });
});

describe('parseManifest: YAML syntax', () => {
  it('reports a syntax error at its line and column, in the given file', () => {
    const result = parseManifest('version: 1\nproject:\n  name: "unclosed\ntriggers: []\n', {
      file: 'demo/whisker.yaml',
    });
    expect(result.manifest).toBeUndefined();
    expect(summarise(result.diagnostics)).toEqual(['YAML_SYNTAX (root) 5:1']);
    expect(formatDiagnostic(result.diagnostics[0]!)).toMatch(/^demo\/whisker\.yaml:5:1: error YAML_SYNTAX /);
  });

  it('reports tab indentation where it is', () => {
    const { diagnostics } = parseManifest('version: 1\nproject:\n\tname: x\n');
    expect(summarise(diagnostics)).toEqual(['YAML_SYNTAX (root) 3:1']);
    expect(diagnostics[0]?.hint).toBe('indent with spaces, not tabs');
  });

  it('explains an unquoted cron expression read as an alias, once per line', () => {
    const { diagnostics } = parseManifest(
      'version: 1\nproject: { name: p }\ntriggers:\n  - name: t\n    type: schedule\n    call: a.ts:b\n    schedule: * * * * *\n',
    );
    expect(summarise(diagnostics)).toEqual(['YAML_SYNTAX (root) 7:15']);
    expect(diagnostics[0]?.hint).toContain('quote it');
  });

  it('reports a duplicate key with its path, and still checks the schema', () => {
    const { diagnostics, manifest } = parseManifest(
      'version: 1\nproject:\n  name: a\n  name: b\n  nmae: c\n',
    );
    expect(manifest).toBeUndefined();
    expect(summarise(diagnostics)).toEqual([
      'YAML_DUPLICATE_KEY project.name 4:3',
      'SCHEMA_UNKNOWN_FIELD project.nmae 5:3',
    ]);
    expect(diagnostics[0]?.message).toBe('project.name: key "name" appears twice in the same mapping');
  });

  it('rejects several documents in one file', () => {
    const { diagnostics } = parseManifest('version: 1\nproject: { name: a }\n---\nversion: 1\n');
    expect(summarise(diagnostics)).toEqual(['YAML_SYNTAX (root) 3:1']);
    expect(diagnostics[0]?.message).toContain('several YAML documents');
  });

  it('refuses to expand an alias bomb', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    const { diagnostics, manifest } = parseManifest(`${lines.join('\n')}\n`);
    expect(manifest).toBeUndefined();
    expect(diagnostics.map((d) => d.code)).toEqual(['YAML_SYNTAX']);
    expect(diagnostics[0]?.message).toContain('cannot expand');
  });

  it('reports an unknown tag as a warning', () => {
    const { diagnostics } = parseManifest('version: 1\nproject: { name: !custom p }\n');
    expect(summarise(diagnostics)).toEqual(['YAML_WARNING (root) 2:18']);
    expect(hasErrors(diagnostics)).toBe(false);
  });

  it('rejects text over the size limit without parsing it', () => {
    const { diagnostics } = parseManifest(`# ${'x'.repeat(MAX_MANIFEST_BYTES)}\n`);
    expect(diagnostics.map((d) => d.code)).toEqual(['MANIFEST_TOO_LARGE']);
  });
});
