// The modern suite's seal+open tasks, shared by the Node bench (bench/crypto.ts) and the one in the
// extension's service worker (bench/crypto-worker.ts): lib/ code only, no Node or browser globals.
import { buf, equalBytes, randomBytes } from '../../lib/bytes';
import { generateIdentity } from '../../lib/crypto/identity';
import { openMessage, sealMessage } from '../../lib/crypto/message';
import { openMessageV2, sealMessageV2 } from '../../lib/crypto/message-v2';
import { generatePrekey } from '../../lib/crypto/prekey';
import type { PublicBundle } from '../../lib/crypto/public-bundle';
import { xwingDecapsulate, xwingEncapsulate, xwingKeyPair } from '../../lib/crypto/xwing';

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

/**
 * The chat handshake's key agreement, classical against post-quantum: X25519 as a KEM (the encapsulator
 * makes an ephemeral key and agrees; the holder agrees) on WebCrypto, beside X-Wing (ML-KEM-768 + X25519,
 * lib/crypto/xwing.ts). Each checks that both sides got the same secret.
 */
export async function kemTasks(): Promise<Record<string, () => void | Promise<void>>> {
  const x25519Pair = async () => (await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair;
  const agree = async (privateKey: CryptoKey, publicKey: CryptoKey) => new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: publicKey }, privateKey, 256));
  const holder = await x25519Pair();
  const xwingHolder = xwingKeyPair();
  const classicalEncaps = async () => {
    const eph = await x25519Pair();
    return { enc: eph.publicKey, secret: await agree(eph.privateKey, holder.publicKey) };
  };
  const classical = await classicalEncaps();
  const pq = xwingEncapsulate(xwingHolder.publicKey);
  return {
    'kem.x25519.keygen': async () => void (await x25519Pair()),
    'kem.x25519.encaps': async () => void (await classicalEncaps()),
    'kem.x25519.decaps': async () => check(equalBytes(await agree(holder.privateKey, classical.enc), classical.secret), 'x25519 kem'),
    'kem.x25519.roundTrip': async () => {
      const { enc, secret } = await classicalEncaps();
      check(equalBytes(await agree(holder.privateKey, enc), secret), 'x25519 kem');
    },
    'kem.xwing.keygen': () => void xwingKeyPair(),
    'kem.xwing.encaps': () => void xwingEncapsulate(xwingHolder.publicKey),
    'kem.xwing.decaps': () => check(equalBytes(xwingDecapsulate(pq.ciphertext, xwingHolder.secretKey), pq.sharedSecret), 'x-wing'),
    'kem.xwing.roundTrip': () => {
      const { ciphertext, sharedSecret } = xwingEncapsulate(xwingHolder.publicKey);
      check(equalBytes(xwingDecapsulate(ciphertext, xwingHolder.secretKey), sharedSecret), 'x-wing');
    },
  };
}

/** What the post-quantum hybrid costs beside the classical step (a cost, so as a multiple of it), from kemTasks' medians. */
export function hybridCost(figures: Record<string, { medianMs: number }>) {
  return (['keygen', 'encaps', 'decaps', 'roundTrip'] as const).map((step) => {
    const [xwingMs, x25519Ms] = [figures[`kem.xwing.${step}`]!.medianMs, figures[`kem.x25519.${step}`]!.medianMs];
    return { step, xwingMs, x25519Ms, times: Math.round((xwingMs / x25519Ms) * 10) / 10, extraMs: Math.round((xwingMs - x25519Ms) * 1000) / 1000 };
  });
}

export function logHybridCost(cost: ReturnType<typeof hybridCost>, log: (line: string) => void): void {
  for (const c of cost) log(`kem.xwing.${c.step} takes ${c.times}× kem.x25519.${c.step} (${c.extraMs} ms more)`);
}
