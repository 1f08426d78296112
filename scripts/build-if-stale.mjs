// `npm start` runs this first: `npm run build` only when a source is newer than the build
// (dist/src/main.js, and dist/web/index.html when there is a console), so a start after
// `npm ci` or a change builds, and any other start begins at once. Plain JavaScript: it
// runs before there is a build.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const INPUTS = ['src', 'migrations', 'scripts', 'bench', 'packages/sdk/src', 'web', 'tsconfig.json', 'tsconfig.build.json'];
const OUTPUTS = [join('dist', 'src', 'main.js'), ...(existsSync('web') ? [join('dist', 'web', 'index.html')] : [])];
const SKIP = new Set(['node_modules', 'dist']);

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file shows as a newer directory
  for (const entry of readdirSync(path)) if (!SKIP.has(entry)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

const built = Math.min(...OUTPUTS.map((output) => (existsSync(output) ? statSync(output).mtimeMs : 0)));
const changed = INPUTS.map((input) => [input, newestMtime(input)]).filter(([, mtime]) => mtime > built);
if (built > 0 && changed.length === 0) {
  console.log(`build is up to date (${OUTPUTS.join(', ')}); not rebuilding`);
} else {
  console.log(built === 0 ? 'no build yet: building' : `sources changed (${changed.map(([input]) => input).join(', ')}): building`);
  const result = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
