// File-backed replay cache for the CLI: the messages already opened with a key file are kept in
// KEYFILE.seen (one line per message, SHA-256 of sender and message id in hex, newest last, mode 0600,
// bounded). Unlike the extension, the CLI has
// no "show the same message again" case, so any second open of an id counts as a replay.
import { open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import type { ReplayCache, ReplayEntry, ReplayVerdict } from '../lib/crypto/replay-cache';
import { buf, toHex, utf8 } from '../lib/bytes';
import { C2CError } from '../lib/errors';
import { CliError } from './io';

/** Oldest ids are dropped beyond this; a replay older than that many later messages is no longer caught. */
export const MAX_SEEN_IDS = 10_000;
const ID = /^[0-9a-f]{1,128}$/;
const LOCK_WAIT_MS = 5_000;

export function seenPathFor(keyPath: string): string {
  return `${keyPath}.seen`;
}

async function readSeen(path: string): Promise<string[]> {
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const seen = text.split('\n').filter((line) => line !== '');
  if (seen.some((line) => !ID.test(line))) {
    throw new C2CError('malformed', `replay cache ${path} is corrupt; move it away to start a new one`);
  }
  return seen;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `work` holding PATH.lock (created exclusively, holding our pid), so two c2c processes using one key
 * file cannot both accept the same message or lose each other's ids. A lock left by a dead process is taken over.
 */
async function withLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(await readFile(lock, 'utf8').catch(() => ''));
      if (Number.isSafeInteger(holder) && holder > 0 && !isAlive(holder)) {
        await unlink(lock).catch(() => {});
        continue;
      }
      if (Date.now() > deadline) throw new CliError(`${lock} is held by another c2c process; remove it if none is running`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  try {
    return await work();
  } finally {
    await unlink(lock).catch(() => {});
  }
}

export class FileReplayCache implements ReplayCache {
  private readonly pending: string[] = [];

  private constructor(
    private readonly path: string,
    private seen: string[],
  ) {}

  static async open(path: string): Promise<FileReplayCache> {
    return new FileReplayCache(path, await readSeen(path));
  }

  /** Holds a fresh id in memory until commit(); the context is ignored (see above). */
  async check({ sender, messageId }: ReplayEntry): Promise<ReplayVerdict> {
    if (!ID.test(messageId)) throw new C2CError('malformed', 'a message id must be lowercase hex');
    // Keyed by sender and id together: one sender's id cannot block another sender's message.
    const id = toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', buf(utf8(`${sender}\u0000${messageId}`)))));
    if (this.seen.includes(id) || this.pending.includes(id)) return 'replayed';
    this.pending.push(id);
    return 'fresh';
  }

  /**
   * Persists the ids checked so far. Call it once a message has been fully accepted and before showing it,
   * so a message refused for another reason (say, a --from mismatch) is not burnt. Throws 'replayed' when
   * another process recorded one of these ids since open().
   */
  async commit(): Promise<void> {
    if (this.pending.length === 0) return;
    const pending = this.pending.splice(0);
    await withLock(this.path, async () => {
      const current = await readSeen(this.path);
      if (pending.some((id) => current.includes(id))) {
        this.seen = current;
        throw new C2CError('replayed', 'this message was just opened by another c2c process with the same key file');
      }
      const all = [...current, ...pending].slice(-MAX_SEEN_IDS);
      const tmp = `${this.path}.${process.pid}.tmp`;
      await writeFile(tmp, `${all.join('\n')}\n`, { mode: 0o600 });
      await rename(tmp, this.path);
      this.seen = all;
    });
  }
}
