import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  formatPlan,
  isEmpty,
  isPlanEmpty,
  parseManifest,
  planManifest,
} from '../../../../engine/platform/manifest/index.js';
import type { Manifest, ProjectConfig } from '../../../../engine/platform/manifest/index.js';
import { fixture } from './helpers.js';

function manifestOf(yaml: string): Manifest {
  const { manifest, diagnostics } = parseManifest(yaml);
  if (manifest === undefined) throw new Error(JSON.stringify(diagnostics));
  return manifest;
}

const BEFORE = `version: 1
project: { name: hello, description: old text }
vars:
  - { name: GREETING, value: a }
  - { name: COLOR, value: red }
  - { name: TOKEN, secret: true }
  - { name: OLD, value: gone }
  - { name: SIGNING, value: was-plain }
connections:
  - { name: github, integration: github, config: { org: acme } }
  - { name: legacy, integration: jira }
  - { name: chat, integration: slack }
triggers:
  - { name: nightly, type: schedule, schedule: "0 3 * * *", call: jobs.ts:nightly }
  - { name: hook, type: webhook, call: handlers.ts:hook }
  - { name: old-hook, type: webhook, call: handlers.ts:old }
  - { name: by-hand, type: manual, call: handlers.ts:run }
`;

const AFTER = `version: 1
project: { name: hello }
vars:
  - { name: GREETING, value: b }
  - { name: COLOR }
  - { name: TOKEN, secret: true }
  - { name: SIGNING, secret: true }
  - { name: NEW_SECRET, secret: true }
  - { name: NEW_PLAIN, value: "42" }
connections:
  - { name: github, integration: github, config: { org: acme, team: core } }
  - { name: chat, integration: discord }
triggers:
  - { name: nightly, type: schedule, schedule: "0 4 * * *", timezone: Europe/Paris, call: jobs.ts:nightly }
  - { name: hook, type: webhook, call: handlers.ts:hook, webhook: { sync: true, timeout: 1m } }
  - { name: by-hand, type: schedule, schedule: "@daily", call: handlers.ts:run }
  - { name: on-push, type: connection, connection: github, event_type: push, call: handlers.ts:onPush }
`;

describe('planManifest', () => {
  it('plans a new project: everything is created, in a safe order', () => {
    const desired = manifestOf(fixture('complete.yaml'));
    const plan = planManifest(undefined, desired);
    expect(plan.newProject).toBe(true);
    expect(plan.summary).toEqual({ create: 15, update: 0, replace: 0, delete: 0 });
    expect(plan.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual([
      'create project hello-world',
      'create var GREETING',
      'create var GITHUB_WEBHOOK_SECRET',
      'create var SIGNING_KEY',
      'create var REGION',
      'create connection github',
      'create connection slack',
      'create trigger on-hello',
      'create trigger on-signed',
      'create trigger on-plain',
      'create trigger nightly',
      'create trigger every-ten-seconds',
      'create trigger run-by-hand',
      'create trigger on-issue',
      'create trigger on-message',
    ]);
    expect(plan.changes[7]).toEqual({
      kind: 'trigger',
      action: 'create',
      name: 'on-hello',
      after: desired.triggers[0],
      fields: [],
    });
    expect(plan.desired).toEqual(desired);
  });

  it('plans no change when nothing differs', () => {
    const config: ProjectConfig = manifestOf(fixture('complete.yaml'));
    const plan = planManifest(config, manifestOf(fixture('complete.yaml')));
    expect(isPlanEmpty(plan)).toBe(true);
    expect(isEmpty(plan)).toBe(true);
    expect(plan.summary).toEqual({ create: 0, update: 0, replace: 0, delete: 0 });
    expect(formatPlan(plan)).toBe('No changes: project "hello-world" matches the manifest.\n');
  });

  it('plans creations, field-level updates, replacements and removals', () => {
    const plan = planManifest(manifestOf(BEFORE), manifestOf(AFTER));
    expect(isPlanEmpty(plan)).toBe(false);
    expect(plan.summary).toEqual({ create: 3, update: 6, replace: 2, delete: 3 });
    const byName = new Map(plan.changes.map((c) => [`${c.kind} ${c.name}`, c]));
    expect(byName.get('project hello')).toMatchObject({
      action: 'update',
      fields: [{ field: 'description', from: 'old text' }],
    });
    expect(byName.get('var GREETING')).toMatchObject({
      action: 'update',
      fields: [{ field: 'value', from: 'a', to: 'b' }],
    });
    // Declared without a value: its current value (set through the API) is kept.
    expect(byName.has('var COLOR')).toBe(false);
    expect(byName.get('var SIGNING')).toMatchObject({
      action: 'update',
      fields: [{ field: 'secret', from: false, to: true }],
    });
    expect(byName.get('connection github')?.fields).toEqual([{ field: 'config.team', to: 'core' }]);
    expect(byName.get('connection chat')).toMatchObject({
      action: 'replace',
      fields: [{ field: 'integration', from: 'slack', to: 'discord' }],
    });
    expect(byName.get('trigger nightly')?.fields).toEqual([
      { field: 'schedule', from: '0 3 * * *', to: '0 4 * * *' },
      { field: 'timezone', from: 'UTC', to: 'Europe/Paris' },
    ]);
    expect(byName.get('trigger hook')?.fields).toEqual([
      { field: 'webhook.sync', from: false, to: true },
      { field: 'webhook.timeoutMs', from: 30_000, to: 60_000 },
    ]);
    expect(byName.get('trigger by-hand')?.action).toBe('replace');
    expect(byName.get('trigger on-push')).toMatchObject({
      action: 'create',
      after: { connection: 'github', eventType: 'push' },
    });
    expect(byName.get('trigger old-hook')).toMatchObject({
      action: 'delete',
      before: { call: 'handlers.ts:old' },
    });
    expect(plan.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual([
      'update project hello',
      'update var GREETING',
      'update var SIGNING',
      'create var NEW_SECRET',
      'create var NEW_PLAIN',
      'update connection github',
      'replace connection chat',
      'delete trigger old-hook',
      'update trigger nightly',
      'update trigger hook',
      'replace trigger by-hand',
      'create trigger on-push',
      'delete connection legacy',
      'delete var OLD',
    ]);
  });

  it('formats the plan for people, terraform-style', () => {
    expect(formatPlan(planManifest(manifestOf(BEFORE), manifestOf(AFTER)))).toBe(
      [
        'Plan for project "hello": 3 to create, 6 to change, 2 to replace, 3 to remove.',
        '',
        '~ project hello: description "old text" → (unset)',
        '~ var GREETING: "a" → "b"',
        '~ var SIGNING: secret false → true',
        '+ var NEW_SECRET (secret)',
        '+ var NEW_PLAIN = "42"',
        '~ connection github: config.team (unset) → "core"',
        '-/+ connection chat: integration "slack" → "discord" (replaced)',
        '- trigger old-hook',
        '~ trigger nightly',
        '    schedule "0 3 * * *" → "0 4 * * *"',
        '    timezone "UTC" → "Europe/Paris"',
        '~ trigger hook',
        '    webhook.sync false → true',
        '    webhook.timeout 30s → 1m',
        '-/+ trigger by-hand: type "manual" → "schedule" (replaced)',
        '    schedule (unset) → "@daily"',
        '    timezone (unset) → "UTC"',
        '+ trigger on-push: connection github push → handlers.ts:onPush',
        '- connection legacy',
        '- var OLD',
        '',
      ].join('\n'),
    );
  });

  it('formats a new project', () => {
    const text = formatPlan(planManifest(undefined, manifestOf(fixture('complete.yaml'))));
    expect(text.split('\n').slice(0, 8)).toEqual([
      'Plan for project "hello-world": 15 to create, 0 to change, 0 to remove.',
      '',
      '+ project hello-world',
      '+ var GREETING = "hello"',
      '+ var GITHUB_WEBHOOK_SECRET (secret)',
      '+ var SIGNING_KEY (secret)',
      '+ var REGION (no value)',
      '+ connection github (integration github)',
    ]);
    expect(text).toContain(
      '+ trigger on-hello: webhook (sync) if "event.data.method == \\"POST\\"" → handlers.ts:onHello\n',
    );
    expect(text).toContain('+ trigger nightly: schedule "0 3 * * *" (Europe/Paris) → jobs/nightly.ts:run\n');
    expect(text).toContain('+ trigger run-by-hand: manual → handlers.ts:run\n');
  });

  it('never shows a secret value, even one the current configuration carries', () => {
    const canary = 'canary-secret-5d1e';
    const current = manifestOf(BEFORE);
    // A store that (wrongly) kept secret values in the configuration.
    current.vars = current.vars.map((v) => (v.name === 'TOKEN' ? { ...v, value: canary } : v));
    current.vars.push({ name: 'ROTATED', secret: true, value: `${canary}-2` });
    const desired = manifestOf(AFTER);
    desired.vars.push({ name: 'ROTATED', secret: false, value: 'now-public' });
    const plan = planManifest(current, desired);
    const rotated = plan.changes.find((c) => c.name === 'ROTATED');
    expect(rotated?.fields).toEqual([
      { field: 'secret', from: true, to: false },
      { field: 'value', redacted: true },
    ]);
    expect(formatPlan(plan)).toContain('~ var ROTATED\n    secret true → false\n    value: (secret)\n');
    expect(JSON.stringify(plan)).not.toContain(canary);
    expect(formatPlan(plan)).not.toContain(canary);

    const removed = planManifest(
      current,
      manifestOf(BEFORE.replace('  - { name: TOKEN, secret: true }\n', '')),
    );
    expect(formatPlan(removed)).toContain('- var TOKEN (secret)\n');
    expect(JSON.stringify(removed)).not.toContain(canary);
  });

  it('shows a secret value change alone as redacted', () => {
    const current = manifestOf(BEFORE);
    current.vars = current.vars.map((v) => (v.name === 'TOKEN' ? { ...v, value: 'x-old' } : v));
    const desired = manifestOf(BEFORE);
    desired.vars = desired.vars.map((v) => (v.name === 'TOKEN' ? { ...v, value: 'x-new' } : v));
    const text = formatPlan(planManifest(current, desired));
    expect(text).toContain('~ var TOKEN: value (secret)\n');
    expect(text).not.toMatch(/x-old|x-new/);
  });
});

describe('formatDuration', () => {
  it('writes milliseconds as a manifest would', () => {
    expect([250, 1500, 30_000, 60_000, 90_000, 300_000].map(formatDuration)).toEqual([
      '250ms',
      '1.5s',
      '30s',
      '1m',
      '1m30s',
      '5m',
    ]);
  });
});
