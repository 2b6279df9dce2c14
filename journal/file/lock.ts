/**
 * The directory's write lock. Node has no flock(2), so the lock is a sequence of files
 * `lock.<n>`, each created atomically with link(2) (which fails if the name exists):
 * - the file with the highest n is the lock; it names its holder (pid, process start time, boot id);
 * - it is free when it says "released" (a clean close) or when its holder is dead;
 * - to take a free lock, create `lock.<n+1>`. Only one process can create that name, so two
 *   processes taking over the same stale lock cannot both win; the winner removes older files.
 * The start time and boot id keep a reused pid (e.g. pid 1 in a restarted container) from
 * passing for the dead holder.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { StoreLockedError } from '../errors.js';
import type { JournalIo } from './io.js';

interface LockContent {
  pid: number;
  startTime: string | null;
  bootId: string | null;
  token: string;
  released?: boolean;
}

const LOCK_NAME = /^lock\.(\d+)$/;

function readProc(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** The process start time in clock ticks since boot (Linux), or null where /proc is absent. */
function processStartTime(pid: number): string | null {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // Fields after the parenthesised command name; starttime is field 22 overall.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? null;
}

const BOOT_ID = readProc('/proc/sys/kernel/random/boot_id')?.trim() ?? null;

function isAlive(content: LockContent): boolean {
  if (content.bootId !== null && BOOT_ID !== null && content.bootId !== BOOT_ID) return false;
  try {
    process.kill(content.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const startTime = processStartTime(content.pid);
  return content.startTime === null || startTime === null || startTime === content.startTime;
}

export interface DirectoryLock {
  readonly sequence: number;
  release(): Promise<void>;
}

async function readLock(io: JournalIo, file: string): Promise<LockContent | undefined> {
  try {
    return JSON.parse((await io.readFile(file)).toString('utf8')) as LockContent;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Takes the lock on `dir` or throws `StoreLockedError` naming the live holder. */
export async function acquireDirectoryLock(io: JournalIo, dir: string): Promise<DirectoryLock> {
  const own: LockContent = {
    pid: process.pid,
    startTime: processStartTime(process.pid),
    bootId: BOOT_ID,
    token: randomBytes(8).toString('hex'),
  };
  for (let attempt = 0; attempt < 50; attempt++) {
    const sequences = (await io.readdir(dir))
      .map((name) => LOCK_NAME.exec(name))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => Number(match[1]));
    const current = sequences.length === 0 ? 0 : Math.max(...sequences);
    if (current > 0) {
      const holder = await readLock(io, path.join(dir, `lock.${current}`));
      if (holder === undefined) continue;
      if (!holder.released && isAlive(holder)) throw new StoreLockedError(dir, holder.pid);
    }
    const next = current + 1;
    const temporary = path.join(dir, `lock.${next}.${own.token}.tmp`);
    await io.writeFile(temporary, Buffer.from(JSON.stringify(own)));
    try {
      await io.link(temporary, path.join(dir, `lock.${next}`));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      continue; // another process claimed this sequence first: look again
    } finally {
      await io.unlink(temporary);
    }
    for (const old of sequences) await io.unlink(path.join(dir, `lock.${old}`)).catch(() => undefined);
    return {
      sequence: next,
      release: async () => {
        // Atomically replace our lock file's content with "released".
        const releasing = path.join(dir, `lock.${next}.${own.token}.release.tmp`);
        await io.writeFile(releasing, Buffer.from(JSON.stringify({ ...own, released: true })));
        await io.rename(releasing, path.join(dir, `lock.${next}`));
      },
    };
  }
  throw new Error(`could not take the lock on ${dir}: too much contention; retry`);
}
