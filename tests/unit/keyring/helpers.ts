// Each test gets its own in-memory IndexedDB (fake-indexeddb), so tests never share keyring state.
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { Keyring } from '../../../lib/keyring/keyring';

export function freshFactory(): IDBFactory {
  return new IDBFactory();
}

export function openTestKeyring(factory: IDBFactory = freshFactory(), replayEntries?: number): Keyring {
  return new Keyring({ indexedDB: factory, IDBKeyRange, ...(replayEntries ? { replayEntries } : {}) });
}

/** Everything in the database, for "nothing changed" comparisons (CryptoKeys compared by identity fields). */
export async function dumpKeyring(k: Keyring): Promise<unknown> {
  const out: Record<string, unknown> = {};
  for (const table of k.db.tables) {
    out[table.name] = JSON.parse(
      JSON.stringify(await table.toArray(), (_key, value) =>
        value instanceof CryptoKey
          ? { cryptoKey: value.algorithm.name, type: value.type, extractable: value.extractable }
          : value instanceof Uint8Array
            ? Array.from(value)
            : value,
      ),
    );
  }
  return out;
}

/** A real signed bundle for `handle`; pass `identity` to make a newer prekey for the same person. */
export async function makePerson(handle: string) {
  const { generateIdentity } = await import('../../../lib/crypto/identity');
  const { generatePrekey } = await import('../../../lib/crypto/prekey');
  const identity = await generateIdentity();
  const bundleAt = async (now: number) => {
    const prekey = await generatePrekey(identity, { now });
    return { identityKey: identity.publicKey, prekey: { publicKey: prekey.publicKey, created: prekey.created, signature: prekey.signature }, handle };
  };
  return { identity, bundleAt };
}
