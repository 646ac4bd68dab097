// A key log built in memory the way the relay builds it (real signed entries, RFC 9162 tree, signed C2SP
// checkpoints), and the answers a relay sends from it, for the client-side verification tests.
import { concat, toBase64Url, utf8 } from '../../../lib/bytes';
import { SIGNATURE_CONTEXT, generateIdentity, signWithContext, type IdentityKeyPair } from '../../../lib/crypto/identity';
import { generatePrekey } from '../../../lib/crypto/prekey';
import { encodePublicBundle } from '../../../lib/crypto/public-bundle';
import { signCheckpoint } from '../../../lib/keylog/checkpoint';
import { encodeEntry, relaySignedMessage, type KeyEvent } from '../../../lib/keylog/entry';
import { MemoryTree, consistencyProof, hashLeaf, inclusionProof, treeRoot } from '../../../lib/keylog/merkle';
import { formatVerifierKey, type NoteSigner } from '../../../lib/keylog/note';
import { keyChangeMessage, registerMessage, type LogAnswer } from '../../../lib/protocol/relay';
import { freshSigner } from './support';

export const ORIGIN = 'relay.example/log';

export interface Person {
  handle: string;
  identity: IdentityKeyPair;
  bundle: string;
}

export async function person(handle: string, now = Date.now()): Promise<Person> {
  const identity = await generateIdentity();
  const prekey = await generatePrekey(identity, { now });
  return { handle, identity, bundle: encodePublicBundle({ identityKey: identity.publicKey, prekey, handle }) };
}

export async function registerEntry(p: Person): Promise<string> {
  const sig = await signWithContext(p.identity.privateKey, SIGNATURE_CONTEXT.relayRegister, registerMessage(p.handle, p.bundle));
  return encodeEntry({ type: 'register', handle: p.handle, time: 1, key: p.identity.publicKey, bundle: p.bundle, sig });
}

export function rotateEntry(p: Person): string {
  return encodeEntry({ type: 'rotate', handle: p.handle, time: 2, key: p.identity.publicKey, bundle: p.bundle });
}

export async function keyChangeEntry(from: Person, to: Person): Promise<string> {
  const message = keyChangeMessage(from.handle, from.identity.publicKey, to.identity.publicKey);
  const sig = await signWithContext(from.identity.privateKey, SIGNATURE_CONTEXT.keyChange, message);
  return encodeEntry({ type: 'key-change', handle: from.handle, time: 3, oldKey: from.identity.publicKey, newKey: to.identity.publicKey, bundle: to.bundle, sig });
}

export class TestLog {
  readonly entries: string[] = [];
  tree = new MemoryTree();

  private constructor(readonly signer: NoteSigner) {}

  static async create(): Promise<TestLog> {
    return new TestLog(await freshSigner(ORIGIN));
  }

  get key(): string {
    return formatVerifierKey(this.signer.name, this.signer.publicKey);
  }

  append(...entries: string[]): void {
    for (const entry of entries) {
      this.entries.push(entry);
      this.tree.append(hashLeaf(utf8(entry)));
    }
  }

  async revokeEntry(p: Person): Promise<string> {
    const event = { type: 'revoke', handle: p.handle, time: 4, key: p.identity.publicKey, sig: new Uint8Array(64) } as KeyEvent;
    const sig = await signWithContext(this.signer.privateKey, SIGNATURE_CONTEXT.keyLogEntry, relaySignedMessage(event));
    return encodeEntry({ ...event, sig } as KeyEvent);
  }

  async checkpoint(size = this.tree.size, signer = this.signer): Promise<string> {
    return signCheckpoint({ origin: ORIGIN, size, rootHash: treeRoot(this.tree, size), extensions: [] }, [signer]);
  }

  /** What the relay answers to a lookup of `handle` from a client at tree size `since`, at size `size`. */
  async answer(handle: string, since: number, size = this.tree.size): Promise<LogAnswer> {
    const answer: LogAnswer = { checkpoint: await this.checkpoint(size) };
    if (since === 0) answer.key = this.key;
    else if (since < size) answer.consistency = toBase64Url(concat(...consistencyProof(this.tree, since, size)));
    answer.entries = this.entries.slice(0, size).flatMap((entry, index) =>
      entry.split('\n')[2] === handle ? [{ index, entry, proof: toBase64Url(concat(...inclusionProof(this.tree, index, size))) }] : [],
    );
    return answer;
  }
}
