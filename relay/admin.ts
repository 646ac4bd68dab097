// Relay administration on the data folder, safe while the relay runs (SQLite WAL; the relay notices
// revocations by polling and closes the identity's connections).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeHandle } from '../lib/protocol/relay';
import { DIRECTORY_FILE, SqliteDirectory } from './directory';

export type RevokeResult = 'revoked' | 'already-revoked';

/** Revokes the identity behind `name`. Throws an Error with a plain-words message on failure. */
export async function revokeHandle(dataDir: string, name: string): Promise<RevokeResult> {
  const handle = normalizeHandle(name);
  if (!handle) throw new Error(`"${name}" is not a valid handle (3-32 characters of a-z 0-9 . _ -)`);
  if (!existsSync(join(dataDir, DIRECTORY_FILE))) throw new Error(`no relay directory in ${dataDir}`);
  const directory = new SqliteDirectory(dataDir);
  try {
    const entry = await directory.byHandle(handle);
    if (!entry) throw new Error(`no such handle: ${handle}`);
    if (entry.revoked) return 'already-revoked';
    await directory.revoke(handle);
    return 'revoked';
  } finally {
    directory.close();
  }
}
