import { describe, expect, it } from 'vitest';

import { classifyFile, isActivityModulePath } from '../../../sandbox/build/index.js';

describe('isActivityModulePath', () => {
  it.each([
    'activities.ts',
    'activities.js',
    'activities.mts',
    'lib/activities.cjs',
    'billing.activities.ts',
    'billing/payments.activities.mjs',
    'activities/email.ts',
    'src/activities/deep/sms.js',
  ])('%s is an activity module', (path) => {
    expect(isActivityModulePath(path)).toBe(true);
  });

  it.each([
    'workflow.ts',
    'activity.ts',
    'myactivities.ts',
    'activities.d.ts',
    'activities.json',
    'activities/README.md',
    'activities.test.ts',
    'lib/activities-helper.ts',
  ])('%s is not an activity module', (path) => {
    expect(isActivityModulePath(path)).toBe(false);
  });
});

describe('classifyFile', () => {
  it.each([
    ['main.ts', 'workflow'],
    ['lib/util.mjs', 'workflow'],
    ['legacy.cjs', 'workflow'],
    ['activities.ts', 'activity'],
    ['types.d.ts', 'declaration'],
    ['lib/types.d.mts', 'declaration'],
    ['main.test.ts', 'test'],
    ['lib/util.spec.js', 'test'],
    ['fixtures.test.json', 'test'],
    ['tsconfig.json', 'config'],
    ['package.json', 'config'],
    ['whisker.yaml', 'config'],
    ['data/package.json', 'resource'],
    ['templates/mail.txt', 'resource'],
    ['data.json', 'resource'],
    ['logo.png', 'resource'],
    ['LICENSE', 'resource'],
  ])('%s is %s', (path, kind) => {
    expect(classifyFile(path)).toBe(kind);
  });
});
