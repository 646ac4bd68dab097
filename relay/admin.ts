// Relay administration on the data folder or a cluster's PostgreSQL database, safe while the relay runs
// (the nodes notice revocations by polling and close the identity's connections).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeHandle } from '../lib/protocol/relay';
import { DIRECTORY_FILE, SqliteDirectory, type Directory } from './directory';
import { DEFAULTS } from './config';
import { LOG_KEY_FILE, loadLogKeyFile } from './log-key';

export type RevokeResult = 'revoked' | 'already-revoked';

/** Revokes the identity behind `name`. Throws an Error with a plain-words message on failure. */
export async function revokeHandle(dataDir: string, name: string): Promise<RevokeResult> {
  const handle = checkedHandle(name);
  if (!existsSync(join(dataDir, DIRECTORY_FILE))) throw new Error(`no relay directory in ${dataDir}`);
  return revokeIn(new SqliteDirectory(dataDir), handle);
}

/** The same in cluster mode: `logKeyFile` is the nodes' log key (it signs the revocation's log entry). */
export async function revokeHandleInCluster(url: string, logKeyFile = join(DEFAULTS.dataDir, LOG_KEY_FILE), name: string): Promise<RevokeResult> {
  const handle = checkedHandle(name);
  if (!existsSync(logKeyFile)) throw new Error(`no log key file at ${logKeyFile} (give the nodes' --log-key file)`);
  const { openPostgresDirectory } = await import('./store/postgres');
  return revokeIn(await openPostgresDirectory(url, loadLogKeyFile(logKeyFile)), handle);
}

function checkedHandle(name: string): string {
  const handle = normalizeHandle(name);
  if (!handle) throw new Error(`"${name}" is not a valid handle (3-32 characters of a-z 0-9 . _ -)`);
  return handle;
}

async function revokeIn(directory: Directory, handle: string): Promise<RevokeResult> {
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
