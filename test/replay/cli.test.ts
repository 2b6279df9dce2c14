/**
 * `whisker replay` and `whisker journal export` as child processes: export from a real server over
 * loopback, replay offline (no server): compatible (exit 0), divergent against a changed project
 * (exit 1, the divergence on stdout), `--until`, many files, `--json`, a damaged file.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { decodeJournalFile } from '../../engine/index.js';
import { testApi } from '../api/helpers.js';
import { finished, ROOT } from '../cli/helpers.js';
import type { TestApi } from '../api/helpers.js';

const APP_DIR = join(ROOT, 'test', 'engine', 'fixtures', 'app');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function whisker(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(
    process.execPath,
    ['--no-node-snapshot', '--import', 'tsx', join(ROOT, 'cli', 'main.ts'), ...args],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', WHISKER_DATA_DIR: dir, ...env } },
  );
  return finished(child);
}

let api: TestApi;
let dir: string;
let url: string;
let done: string;
let waiting: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'whisker-cli-replay-'));
  api = await testApi();
  url = await api.app.listen({ host: '127.0.0.1', port: 0 });
  const build = await api.engine.loadProject(APP_DIR);
  done = (await api.engine.startSession({ buildId: build.buildId, entry: 'workflows.ts:doubles', input: 3 }))
    .sessionId;
  await api.engine.result(done);
  waiting = (
    await api.engine.startSession({
      buildId: build.buildId,
      entry: 'workflows.ts:approval',
      input: 3_600_000,
    })
  ).sessionId;
  await api.engine.waitFor(waiting, (s) => s.status === 'waiting' && s.counts.timers === 1, 10_000);
});

afterAll(async () => {
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('whisker journal export', () => {
  it('downloads the journal with its build, and JSON', async () => {
    const file = join(dir, 'done.journal');
    const run = await whisker([
      '--url',
      url,
      '--token',
      api.token,
      'journal',
      'export',
      done,
      '-o',
      file,
      '--with-build',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/wrote .*done\.journal \(.*, binary, with the build\)/);
    const journal = decodeJournalFile(await readFile(file));
    expect(journal).toMatchObject({ sessionId: done, status: 'completed' });
    expect(journal.build?.hash).toBe(journal.buildHash);

    const json = join(dir, 'waiting.json');
    const second = await whisker([
      '--url',
      url,
      '--token',
      api.token,
      'journal',
      'export',
      waiting,
      '-o',
      json,
      '--format',
      'json',
      '--with-build',
    ]);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(await readFile(json, 'utf8'))).toMatchObject({
      format: 'whisker-journal',
      sessionId: waiting,
    });

    const missing = await whisker([
      '--url',
      url,
      '--token',
      api.token,
      'journal',
      'export',
      'ses_01HZZZZZZZZZZZZZZZZZZZZZZZ',
      '-o',
      join(dir, 'x'),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error SESSION_NOT_FOUND');
  });
});

describe('whisker replay (offline)', () => {
  it('compatible: the timeline and the verdict, exit 0 (no server needed)', async () => {
    await api.app.close(); // nothing listens any more: the replay needs no server
    const run = await whisker(['replay', join(dir, 'done.journal')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Replay of session ${done} (workflows.ts:doubles)`);
    expect(run.stdout).toMatch(/1 ✓ {2}ActivityScheduled #1 double\(1\)/);
    expect(run.stdout).toContain('COMPATIBLE: the code issued all 4 recorded steps again, in order.');
  });

  it('divergent against a changed project: exit 1 with the step, recorded vs now and the line', async () => {
    const changed = join(dir, 'changed');
    await cp(APP_DIR, changed, { recursive: true });
    const source = await readFile(join(changed, 'workflows.ts'), 'utf8');
    await writeFile(
      join(changed, 'workflows.ts'),
      source.replace('value = await double(value);', 'value = await double(value + 1);'),
    );
    const run = await whisker(['replay', join(dir, 'done.journal'), '--build', changed]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('DIVERGENT at step 1 (journal revision 1)');
    expect(run.stdout).toContain('args[0]: 1 → 2');
    expect(run.stdout).toMatch(
      /the code now issued: {2}scheduleActivity #1 double\(2\) at workflows\.ts:\d+:\d+/,
    );
    expect(run.stderr).toContain('error REPLAY_DIVERGENT');
  });

  it('--until with the JSON journal of a waiting session prints the state there', async () => {
    const run = await whisker(['replay', join(dir, 'waiting.json'), '--until', '1']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('STOPPED at step 1');
    expect(run.stdout).toMatch(/#1 timeout 1h, fires at .* at workflows\.ts:\d+/);
    expect(run.stdout).toMatch(/"decision" \(timeout timer #1\) at workflows\.ts:\d+/);
  });

  it('many files: one line each and a summary; --json gives the results', async () => {
    const run = await whisker(['--json', 'replay', join(dir, 'done.journal'), join(dir, 'waiting.json')]);
    expect(run.code, run.stderr).toBe(0);
    const results = JSON.parse(run.stdout) as { verdict: string; sessionId: string }[];
    expect(results.map((r) => [r.sessionId, r.verdict])).toEqual([
      [done, 'compatible'],
      [waiting, 'compatible'],
    ]);
  });

  it('--inspect waits for a debugger, says where to attach, and replays once told to go', async () => {
    const child = spawn(
      process.execPath,
      [
        '--no-node-snapshot',
        '--import',
        'tsx',
        join(ROOT, 'cli', 'main.ts'),
        'replay',
        join(dir, 'done.journal'),
        '--inspect',
        '--inspect-port',
        '0',
      ],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const endpoint = await new Promise<string>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        const match = /Debugger listening on (ws:\/\/\S+)/.exec(stderr);
        if (match !== null) resolve(match[1] as string);
      });
    });
    expect(stderr).toContain('chrome://inspect');
    expect(stdout).toBe(''); // nothing replayed before the debugger says go
    const socket = new WebSocket(endpoint);
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ id: 1, method: 'Runtime.runIfWaitingForDebugger' }));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    socket.close();
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('COMPATIBLE');
  });

  it('a truncated file: exit 1 naming the offset', async () => {
    const bytes = await readFile(join(dir, 'done.journal'));
    await writeFile(join(dir, 'cut.journal'), bytes.subarray(0, 100));
    const run = await whisker(['replay', join(dir, 'cut.journal')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /error JOURNAL_FILE_TRUNCATED: journal file .*cut\.journal is truncated at byte offset \d+/,
    );
  });
});
