/** The `whisker` executable (bin/whisker.js loads the compiled form of this file). */
import { run } from './program.js';

const code = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
});
process.exitCode = code;
