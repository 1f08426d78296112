// `npm start` runs this first: compiles (tsc -p tsconfig.build.json) only when a source is
// newer than dist/src/main.js, so a start after `npm ci` or a change builds, and any other
// start begins at once. Plain JavaScript: it runs before there is a build.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const INPUTS = ['src', 'migrations', 'scripts', 'bench', 'packages/sdk/src', 'tsconfig.json', 'tsconfig.build.json'];
const OUTPUT = join('dist', 'src', 'main.js');

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file shows as a newer directory
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

const built = existsSync(OUTPUT) ? statSync(OUTPUT).mtimeMs : 0;
const changed = INPUTS.map((input) => [input, newestMtime(input)]).filter(([, mtime]) => mtime > built);
if (built > 0 && changed.length === 0) {
  console.log(`build is up to date (${OUTPUT}); not recompiling`);
} else {
  console.log(built === 0 ? 'no build yet: compiling' : `sources changed (${changed.map(([input]) => input).join(', ')}): compiling`);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
