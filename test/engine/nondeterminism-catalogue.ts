/**
 * A catalogue of changes to one workflow, each non-deterministic in exactly one way (as Restate's
 * non_determinism.ts), with where and how the divergence must be reported. Shared by the engine's
 * test (a session resumed on the changed build) and the replay test (a journal replayed offline
 * against the changed project).
 */
export const ACTIVITIES = `
export async function a(n: number) { return n; }
export async function a2(n: number) { return n; }
export async function b(n: number) { return n; }
export async function c(n: number) { return n; }
`;

/** v1 of the workflow, one statement per line so each step has a known line. */
export const V1_LINES = [
  "import { executeChild, nextSignal, sleep } from 'whisker/workflow';",
  "import { a, b, c } from './activities';",
  'export async function child(n: number) { return n * 2; }',
  'export async function flow() {',
  '  await a(1);',
  '  await b(2);',
  '  await sleep(10);',
  "  await executeChild('workflows.ts:child', { input: 1 });",
  "  await nextSignal('go');",
  '  await c(3);',
  "  return 'done';",
  '}',
];

export interface Variant {
  name: string;
  edit: (lines: string[]) => string[];
  /** 1-based step of the first diverging command. */
  step: number;
  recordedKind: string;
  issuedKind?: string;
  /** Field paths that differ (for same-kind changes). */
  paths?: string[];
  /** Line of the diverging call in the changed file (when the code issued something). */
  line?: number;
}

const replace = (from: string, to: string) => (lines: string[]) => lines.map((l) => (l === from ? to : l));

export const CATALOGUE: Variant[] = [
  {
    name: 'reordered activities',
    edit: (lines) =>
      lines.map((l) =>
        l === '  await a(1);' ? '  await b(2);' : l === '  await b(2);' ? '  await a(1);' : l,
      ),
    step: 1,
    recordedKind: 'scheduleActivity',
    issuedKind: 'scheduleActivity',
    paths: ['name', 'args[0]'],
    line: 5,
  },
  {
    name: 'renamed activity',
    edit: (lines) =>
      replace('  await a(1);', '  await a2(1);')(lines).map((l) => l.replace('{ a, b, c }', '{ a2, b, c }')),
    step: 1,
    recordedKind: 'scheduleActivity',
    issuedKind: 'scheduleActivity',
    paths: ['name'],
    line: 5,
  },
  {
    name: 'changed activity arguments',
    edit: replace('  await b(2);', '  await b(20);'),
    step: 2,
    recordedKind: 'scheduleActivity',
    issuedKind: 'scheduleActivity',
    paths: ['args[0]'],
    line: 6,
  },
  {
    name: 'added timer',
    edit: (lines) => [...lines.slice(0, 5), '  await sleep(5);', ...lines.slice(5)],
    step: 2,
    recordedKind: 'scheduleActivity',
    issuedKind: 'startTimer',
    line: 6,
  },
  {
    name: 'changed timer duration',
    edit: replace('  await sleep(10);', '  await sleep(20);'),
    step: 3,
    recordedKind: 'startTimer',
    issuedKind: 'startTimer',
    paths: ['durationMs'],
    line: 7,
  },
  {
    name: 'removed step',
    edit: (lines) => lines.filter((l) => l !== '  await b(2);'),
    step: 2,
    recordedKind: 'scheduleActivity',
    issuedKind: 'startTimer',
  },
  {
    name: 'changed child input',
    edit: replace(
      "  await executeChild('workflows.ts:child', { input: 1 });",
      "  await executeChild('workflows.ts:child', { input: 2 });",
    ),
    step: 4,
    recordedKind: 'startChild',
    issuedKind: 'startChild',
    paths: ['input'],
    line: 8,
  },
  {
    name: 'changed child entry point',
    edit: (lines) => [
      ...replace(
        "  await executeChild('workflows.ts:child', { input: 1 });",
        "  await executeChild('workflows.ts:other', { input: 1 });",
      )(lines),
      'export async function other(n: number) { return n; }',
    ],
    step: 4,
    recordedKind: 'startChild',
    issuedKind: 'startChild',
    paths: ['entry'],
    line: 8,
  },
  {
    name: 'removed the last steps (nothing issued where the journal has a command)',
    edit: (lines) => [...lines.slice(0, 6), "  return 'early';", '}'],
    step: 3,
    recordedKind: 'startTimer',
    issuedKind: 'complete',
  },
];
