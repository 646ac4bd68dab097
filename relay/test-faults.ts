// A misbehaving relay, for tests of the clients' key-log checks (`--test-fault`, docs/TESTING.md). Only
// with C2C_RELAY_TEST_FAULTS=1 in the environment (config.ts refuses the flag otherwise):
//   swap-key:HANDLE  lookups of HANDLE serve another key's public key line, which the log does not hold;
//   fork             the first connection that reads the log sees it as it is; every later one sees it
//                    with one extra entry of its own, inserted where the log ended when it first read;
//   rewrite          the first connection that reads the log sees it as it is; every later one sees it
//                    without its oldest entry, every hash recomputed and the checkpoint re-signed.
// The rewritten views are rebuilt in memory on each request: fine for tests, never for a real log.
import { generateIdentity } from '../lib/crypto/identity';
import { generatePrekey } from '../lib/crypto/prekey';
import { encodePublicBundle } from '../lib/crypto/public-bundle';
import { encodeEntry, parseEntry, relaySignedMessage, type KeyEvent } from '../lib/keylog/entry';
import { MemoryTree, hashLeaf } from '../lib/keylog/merkle';
import { utf8 } from '../lib/bytes';
import type { Directory } from './directory';
import { honestView, type LogView } from './log-service';

export type TestFault = { kind: 'swap-key'; handle: string } | { kind: 'fork' } | { kind: 'rewrite' };

export const TEST_FAULTS_ENV = 'C2C_RELAY_TEST_FAULTS';

/** Parses `--test-fault`; throws with a plain message, including when the environment does not allow it. */
export function parseTestFault(text: string, env: NodeJS.ProcessEnv): TestFault {
  if (env[TEST_FAULTS_ENV] !== '1') throw new Error(`--test-fault is for tests only: it needs ${TEST_FAULTS_ENV}=1 in the environment`);
  if (text === 'fork' || text === 'rewrite') return { kind: text };
  const m = /^swap-key:([a-z0-9._-]{3,32})$/.exec(text);
  if (m) return { kind: 'swap-key', handle: m[1]! };
  throw new Error('--test-fault is swap-key:HANDLE, fork or rewrite');
}

export class FaultyLog {
  private readers = 0;
  private swapped: Promise<string> | null = null;

  constructor(
    readonly fault: TestFault,
    private readonly directory: Directory,
  ) {}

  /** The public key line a lookup of `handle` serves instead of the directory's, if any. */
  async swappedBundle(handle: string): Promise<string | null> {
    if (this.fault.kind !== 'swap-key' || this.fault.handle !== handle) return null;
    this.swapped ??= (async () => {
      const identity = await generateIdentity();
      return encodePublicBundle({ identityKey: identity.publicKey, prekey: await generatePrekey(identity), handle });
    })();
    return this.swapped;
  }

  /** The view a connection gets the first time it reads the log. */
  viewForNewReader(): LogView {
    const honest = honestView(this.directory);
    const reader = this.readers++;
    if (this.fault.kind === 'swap-key' || reader === 0) return honest;
    if (this.fault.kind === 'rewrite') return this.rewritten((leaves) => leaves.slice(1));
    const at = this.directory.log.size;
    const extra = this.forkEntry(reader);
    return this.rewritten((leaves) => [...leaves.slice(0, at), extra, ...leaves.slice(at)]);
  }

  /** A validly signed entry that exists only in one connection's view. */
  private forkEntry(reader: number): string {
    const event = { type: 'revoke', handle: `fork-${reader}`, time: Date.now(), key: new Uint8Array(32), sig: new Uint8Array(64) } as KeyEvent;
    return encodeEntry({ ...event, sig: this.directory.logKey.signEntry(relaySignedMessage(event)) } as KeyEvent);
  }

  private rewritten(change: (entries: string[]) => string[]): LogView {
    const snapshot = () => {
      const entries = change(this.directory.log.all(this.directory.log.size).map((e) => e.entry));
      return { entries, tree: new MemoryTree(entries.map((e) => hashLeaf(utf8(e)))) };
    };
    let current = snapshot();
    const refresh = () => (current = snapshot());
    return {
      get source() {
        return refresh().tree;
      },
      lookup: async (handle) => {
        const { entries } = refresh();
        const entry = await this.directory.byHandle(handle);
        const mine = entries.flatMap((text, index) => (parseEntry(text).handle === handle ? [{ index, entry: text }] : []));
        return { entry, size: entries.length, entries: mine };
      },
      page: (start, end) => current.entries.slice(start, end),
    };
  }
}
