#!/usr/bin/env node
// The `whisker` command: runs the compiled CLI (`npm run build` writes dist/; `npm install` runs it).
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    'whisker: dist/cli/main.js is missing; run `npm run build` in the Whisker directory first\n',
  );
  process.exit(1);
}
await import(main.href);
