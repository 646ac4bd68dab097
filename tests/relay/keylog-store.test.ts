// The relay's key-log storage on real SQLite (relay/keylog.ts, directory.ts): the stored subtrees give
// the same roots and proofs as the in-memory reference tree at every size, appends from two processes'
// connections interleave safely, and a directory made before the log existed enters it as `adopt`
// entries that an auditor accepts.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { utf8 } from '../../lib/bytes';
import { LogAuditor } from '../../lib/keylog/audit';
import { parseEntry } from '../../lib/keylog/entry';
import { MemoryTree, consistencyProof, hashLeaf, inclusionProof, treeRoot } from '../../lib/keylog/merkle';
import { DIRECTORY_FILE, SqliteDirectory } from '../../relay/directory';
import { SqliteKeyLog } from '../../relay/keylog';
import { cleanup, makeIdentity, tempDir } from './harness';

afterAll(cleanup);

describe('SQLite key log', () => {
  it('roots, inclusion and consistency proofs equal the reference tree at every size up to 130', () => {
    const directory = new SqliteDirectory(tempDir());
    const db = (directory as unknown as { db: Database.Database }).db;
    const store = directory.log;
    const reference = new MemoryTree();
    for (let i = 0; i < 130; i++) {
      const entry = `entry ${i}\n`;
      db.transaction(() => store.append(`h${i % 7}`, entry)).immediate();
      reference.append(hashLeaf(utf8(entry)));
      const n = i + 1;
      expect(store.size).toBe(n);
      expect(treeRoot(store, n)).toEqual(treeRoot(reference, n));
      for (const m of [0, Math.floor(i / 2), i]) expect(inclusionProof(store, m, n)).toEqual(inclusionProof(reference, m, n));
      for (const m of [1, Math.ceil(n / 3), n]) expect(consistencyProof(store, m, n)).toEqual(consistencyProof(reference, m, n));
    }
    expect(store.entriesOf('h3', 20, 100).map((e) => e.index)).toEqual([3, 10, 17]);
    expect(store.page(5, 8)).toEqual(['entry 5\n', 'entry 6\n', 'entry 7\n']);
    expect(() => store.append('h', 'outside\n')).toThrow(/inside a transaction/);
    directory.close();
  });

  it('two connections to one folder (relay and admin) append in turn without losing a subtree', async () => {
    const dir = tempDir();
    const relay = new SqliteDirectory(dir);
    const admin = new SqliteDirectory(dir);
    const people = await Promise.all(Array.from({ length: 12 }, (_, i) => makeIdentity(`p${i}`)));
    await Promise.all(
      people.map((p, i) => relay.register({ handle: `p${i}`, identityKey: p.identity.publicKey, bundle: p.bundle, prekeyCreated: p.prekey.created, signature: new Uint8Array(64) })),
    );
    for (let i = 0; i < 12; i += 3) await admin.revoke(`p${i}`);
    const reference = new MemoryTree(relay.log.page(0, relay.log.size).map((e) => hashLeaf(utf8(e))));
    expect(relay.log.size).toBe(16);
    expect(treeRoot(admin.log)).toEqual(treeRoot(reference));
    relay.close();
    admin.close();
  });

  it('a directory from before the log enters it as adopt (and revoke) entries signed by the log key', async () => {
    const dir = tempDir();
    const old = new Database(join(dir, DIRECTORY_FILE));
    old.exec(`CREATE TABLE identities (handle TEXT PRIMARY KEY, identity_key BLOB NOT NULL UNIQUE, bundle TEXT NOT NULL,
      prekey_created INTEGER NOT NULL, registration_sig BLOB NOT NULL, registered_at INTEGER NOT NULL, revoked_seq INTEGER) STRICT;
      CREATE TABLE key_changes (handle TEXT NOT NULL, old_key BLOB NOT NULL, new_key BLOB NOT NULL, statement BLOB NOT NULL, changed_at INTEGER NOT NULL) STRICT;
      PRAGMA user_version = 1;`);
    const [a, b] = [await makeIdentity('early'), await makeIdentity('gone')];
    const insert = old.prepare('INSERT INTO identities VALUES (?, ?, ?, ?, ?, ?, ?)');
    insert.run('early', Buffer.from(a.identity.publicKey), a.bundle, a.prekey.created, Buffer.alloc(64), 1, null);
    insert.run('gone', Buffer.from(b.identity.publicKey), b.bundle, b.prekey.created, Buffer.alloc(64), 2, 1);
    old.close();

    const directory = new SqliteDirectory(dir);
    const entries = directory.log.page(0, directory.log.size);
    expect(entries.map((e) => parseEntry(e).type)).toEqual(['adopt', 'adopt', 'revoke']);
    const auditor = new LogAuditor(directory.logKey.publicKey);
    await auditor.add(entries);
    expect(() => auditor.finish({ origin: directory.logKey.origin, size: 3, rootHash: treeRoot(directory.log), extensions: [] }, null)).not.toThrow();
    directory.close();
    // Opened again, nothing is adopted twice.
    const again = new SqliteDirectory(dir);
    expect(again.log.size).toBe(3);
    expect(new SqliteKeyLog((again as unknown as { db: Database.Database }).db).size).toBe(3);
    again.close();
  });
});
