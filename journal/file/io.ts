/**
 * The file-system calls the file backend makes, behind one interface so tests can inject faults
 * (e.g. EIO from `fdatasync`). Descriptor-based and callback-backed: cheaper than `FileHandle`s on
 * the hot path.
 */
import fs from 'node:fs';

export interface JournalIo {
  open(path: string, flags: number | string): Promise<number>;
  close(fd: number): Promise<void>;
  /** Synchronous write at `position`: used for the commit write (a page-cache copy, cheaper than a thread-pool hop). */
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  fdatasync(fd: number): Promise<void>;
  /** Synchronous `fdatasync` on the calling thread: a lone commit's sync without the thread-pool hop. */
  fdatasyncSync(fd: number): void;
  fsync(fd: number): Promise<void>;
  ftruncate(fd: number, length: number): Promise<void>;
  fstatSize(fd: number): Promise<number>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  link(existing: string, created: string): Promise<void>;
  readFile(path: string): Promise<Buffer>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
}

function settle<T>(resolve: (value: T) => void, reject: (error: Error) => void) {
  return (error: Error | null, value: T): void => (error ? reject(error) : resolve(value));
}

export const nodeIo: JournalIo = {
  open: (path, flags) =>
    new Promise((resolve, reject) => fs.open(path, flags, 0o644, settle(resolve, reject))),
  close: (fd) =>
    new Promise((resolve, reject) => fs.close(fd, (error) => (error ? reject(error) : resolve()))),
  writeSync: (fd, buffer, offset, length, position) => fs.writeSync(fd, buffer, offset, length, position),
  write: (fd, buffer, offset, length, position) =>
    new Promise((resolve, reject) =>
      fs.write(fd, buffer, offset, length, position, (error, written) =>
        error ? reject(error) : resolve(written),
      ),
    ),
  read: (fd, buffer, offset, length, position) =>
    new Promise((resolve, reject) =>
      fs.read(fd, buffer, offset, length, position, (error, bytesRead) =>
        error ? reject(error) : resolve(bytesRead),
      ),
    ),
  fdatasync: (fd) =>
    new Promise((resolve, reject) => fs.fdatasync(fd, (error) => (error ? reject(error) : resolve()))),
  fdatasyncSync: (fd) => fs.fdatasyncSync(fd),
  fsync: (fd) =>
    new Promise((resolve, reject) => fs.fsync(fd, (error) => (error ? reject(error) : resolve()))),
  ftruncate: (fd, length) =>
    new Promise((resolve, reject) =>
      fs.ftruncate(fd, length, (error) => (error ? reject(error) : resolve())),
    ),
  fstatSize: (fd) =>
    new Promise((resolve, reject) =>
      fs.fstat(fd, (error, stats) => (error ? reject(error) : resolve(stats.size))),
    ),
  readdir: (path) => fs.promises.readdir(path),
  mkdir: async (path) => {
    await fs.promises.mkdir(path, { recursive: true });
  },
  rename: (from, to) => fs.promises.rename(from, to),
  unlink: (path) => fs.promises.unlink(path),
  link: (existing, created) => fs.promises.link(existing, created),
  readFile: (path) => fs.promises.readFile(path),
  writeFile: (path, data) => fs.promises.writeFile(path, data),
};

/** Writes all of `buffer[offset, offset + length)` at `position` (retrying short writes). */
export async function writeFully(
  io: JournalIo,
  fd: number,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < length) done += await io.write(fd, buffer, offset + done, length - done, position + done);
}

export function writeFullySync(
  io: JournalIo,
  fd: number,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number,
): void {
  let done = 0;
  while (done < length) done += io.writeSync(fd, buffer, offset + done, length - done, position + done);
}

/** Reads up to `length` bytes at `position`, stopping early only at end of file. Returns the count read. */
export async function readFully(
  io: JournalIo,
  fd: number,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number,
): Promise<number> {
  let done = 0;
  while (done < length) {
    const n = await io.read(fd, buffer, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** fsyncs a directory so created, renamed and removed entries are durable. */
export async function syncDirectory(io: JournalIo, dir: string): Promise<void> {
  const fd = await io.open(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    await io.fsync(fd);
  } finally {
    await io.close(fd);
  }
}
