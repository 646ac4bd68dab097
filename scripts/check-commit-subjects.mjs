// Commit subjects are at most 72 characters (a body says why). Checked for every commit after BASE, the
// first commit written under this rule; history before it stays as it was. In a shallow clone without
// BASE, the commits the clone has are checked.
import { execFileSync } from 'node:child_process';

const BASE = 'eba048c9b2444c7dfdc10f182d2a0fad7ef80364';
const MAX = 72;

const git = (...args) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
let range;
try {
  git('cat-file', '-e', `${BASE}^{commit}`);
  range = [`${BASE}..HEAD`];
} catch {
  range = ['HEAD'];
}
const long = git('log', '--format=%h %s', ...range)
  .split('\n')
  .filter((line) => line.length - line.indexOf(' ') - 1 > MAX);
for (const line of long) process.stdout.write(`subject over ${MAX} characters: ${line}\n`);
process.stdout.write(`${long.length === 0 ? 'ok' : 'FAILED'}: commit subjects (${range[0]})\n`);
process.exit(long.length === 0 ? 0 : 1);
