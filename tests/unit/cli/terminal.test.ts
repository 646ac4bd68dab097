// c2c decrypt to a terminal shows the sender's control characters as escapes instead of obeying them;
// to a pipe or a file it writes the exact bytes. The terminal is a real pseudo-terminal (util-linux
// `script`), so the CLI's own isatty check decides.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prebuilt } from '../../prebuilt/paths';
import { c2c, expectOk, tempDir } from './run-cli';

const { dir, cleanup } = tempDir();
// Clear the screen, home the cursor, a fake prompt in red, a window title, a C1 CSI, a bidi override.
const HOSTILE = 'before\u001b[2J\u001b[H\u001b[31mc2c: all good\u001b[0m\u001b]0;pwned\u0007 \u009b31m \u202eevil\u202c\ttab\nline two ✓';

/** Runs c2c with its stdout on a pseudo-terminal; what the terminal received. */
function onTerminal(args: string[]): Promise<string> {
  const command = [process.execPath, prebuilt('c2c'), ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((done, fail) => {
    const child = spawn('script', ['-q', '-e', '-c', `${command} 2>/dev/null`, '/dev/null'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done(Buffer.concat(out).toString('utf8')) : fail(new Error(`script exited ${code}`))));
  });
}

beforeAll(async () => {
  for (const n of ['alice', 'bob']) expectOk(await c2c(dir, ['keygen', '--out', `${n}.key`, '--handle', n]));
  const bob = (await c2c(dir, ['pub', 'bob.key'])).stdout.trim();
  // Two messages: each opens once per key file (replay protection).
  for (const name of ['to-terminal.txt', 'to-pipe.txt']) {
    const sealed = await c2c(dir, ['encrypt', '--from', 'alice.key', '--to', bob], HOSTILE);
    expectOk(sealed);
    writeFileSync(join(dir, name), sealed.stdout);
  }
}, 120_000);
afterAll(cleanup);

describe('c2c decrypt and the terminal', { timeout: 120_000 }, () => {
  it('on a terminal: every control character but newline and tab is shown as \\uXXXX, the text otherwise intact', async () => {
    const shown = await onTerminal(['decrypt', '--key', 'bob.key', '--in', 'to-terminal.txt']);
    // The pseudo-terminal turns each \n into \r\n; nothing else of ours may reach it raw.
    const text = shown.replace(/\r\n/g, '\n');
    expect(text).toBe(
      'before\\u001b[2J\\u001b[H\\u001b[31mc2c: all good\\u001b[0m\\u001b]0;pwned\\u0007 \\u009b31m \\u202eevil\\u202c\ttab\nline two ✓',
    );
    expect(text).not.toMatch(/[\u001b\u0007\u009b\u202e]/);
  });

  it('to a pipe: the exact bytes (scripts get what was sent)', async () => {
    const piped = await c2c(dir, ['decrypt', '--key', 'bob.key', '--in', 'to-pipe.txt']);
    expectOk(piped);
    expect(piped.stdout).toBe(HOSTILE);
  });
});
