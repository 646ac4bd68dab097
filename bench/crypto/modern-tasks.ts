// The modern suite's seal+open tasks, shared by the Node bench (bench/crypto.ts) and the one in the
// extension's service worker (bench/crypto-worker.ts): lib/ code only, no Node or browser globals.
import { buf, equalBytes, randomBytes } from '../../lib/bytes';
import { generateIdentity } from '../../lib/crypto/identity';
import { openMessage, sealMessage } from '../../lib/crypto/message';
import { openMessageV2, sealMessageV2 } from '../../lib/crypto/message-v2';
import { generatePrekey } from '../../lib/crypto/prekey';
import type { PublicBundle } from '../../lib/crypto/public-bundle';

export function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`${what}: the message did not open to its plaintext`);
}

export async function modernUser() {
  const identity = await generateIdentity();
  const prekey = await generatePrekey(identity);
  const bundle: PublicBundle = {
    identityKey: identity.publicKey,
    prekey: { publicKey: prekey.publicKey, created: prekey.created, signature: prekey.signature },
  };
  return { identity, prekey, bundle, me: { identityKey: identity.publicKey, prekeys: [prekey] }, keys: { identity, prekeys: [prekey] } };
}

export type ModernUser = Awaited<ReturnType<typeof modernUser>>;

export function modernSealOpen(sender: ModernUser, to: ModernUser[], size: number): () => Promise<void> {
  const plaintext = randomBytes(size);
  return async () => {
    const sealed = await sealMessage({ sender, recipients: to.map((r) => r.bundle), plaintext });
    const opened = await openMessage(sealed, to[0]!.me);
    check(equalBytes(opened.plaintext, plaintext), 'modern');
  };
}

/** v2 as the extension sends and opens it: sender named by key id, resolved to a pinned key, signature checked. */
export function modernV2SealOpen(sender: ModernUser, to: ModernUser[], size: number): () => Promise<void> {
  const plaintext = randomBytes(size);
  const resolveSender = async () => sender.identity.publicKey;
  return async () => {
    const sealed = await sealMessageV2({ identity: sender.identity, recipients: to.map((r) => r.bundle), plaintext });
    const opened = await openMessageV2(sealed, to[0]!.keys, { resolveSender });
    check(equalBytes(opened.plaintext, plaintext) && opened.signature === 'checked', 'modern v2');
  };
}

/** The floor: one X25519 agreement on WebCrypto (a v1 seal+open to one recipient does six, v2 two). */
export function x25519Agreement(a: ModernUser, b: ModernUser): () => Promise<void> {
  return async () => {
    const peer = await crypto.subtle.importKey('raw', buf(b.prekey.publicKey), { name: 'X25519' }, false, []);
    await crypto.subtle.deriveBits({ name: 'X25519', public: peer }, a.prekey.privateKey, 256);
  };
}
