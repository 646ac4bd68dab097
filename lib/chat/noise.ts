// Noise_XX_25519_AESGCM_SHA256 (Noise Protocol Framework, revision 34) on WebCrypto X25519 and AES-GCM,
// and its hybrid-forward-secrecy variant Noise_XXhfs_25519+XWing_AESGCM_SHA256 (the Noise HFS extension,
// tokens e1 and ekem1, with the X-Wing KEM of lib/crypto/xwing.ts).
// HMAC/HKDF/SHA-256 run synchronously on @noble/hashes: key material then stays in Uint8Arrays we can
// zero, and the handshake needs no extra WebCrypto round trips. The secure chat (session.ts) drives it.
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { buf, concat } from '../bytes';
import { C2CError } from '../errors';
import { X25519_PUBLIC_LENGTH, importX25519Public, x25519PublicOf } from '../crypto/x25519';
import { XWING_CIPHERTEXT_LENGTH, XWING_PUBLIC_KEY_LENGTH, xwingDecapsulate, xwingEncapsulate, xwingKeyPair, type XWingKeyPair } from '../crypto/xwing';

export const NOISE_PROTOCOL_NAME = 'Noise_XX_25519_AESGCM_SHA256';
export const NOISE_HFS_PROTOCOL_NAME = 'Noise_XXhfs_25519+XWing_AESGCM_SHA256';
const DHLEN = X25519_PUBLIC_LENGTH;
const HASHLEN = 32;
const TAGLEN = 16;
/** Noise's own limit on one message. */
export const NOISE_MAX_MESSAGE = 65535;

export interface X25519KeyPair {
  publicKey: Uint8Array; // raw 32 bytes
  privateKey: CryptoKey; // X25519, usage 'deriveBits'
}

/**
 * A fresh key pair for the handshake (static and ephemeral) or the ratchet. The private key is
 * non-extractable: it is only ever used for deriveBits, and nothing (not even our code) can export it. The
 * public half of a generated pair stays exportable in WebCrypto whatever the flag says.
 */
export async function generateX25519(): Promise<X25519KeyPair> {
  const pair = (await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { publicKey, privateKey: pair.privateKey };
}

// PKCS#8 wrapping of a raw X25519 private key (RFC 8410): WebCrypto imports private keys only this way.
const PKCS8_X25519_PREFIX = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);

/** A key pair from a raw 32-byte private key: for published test vectors, never for real sessions. */
export async function x25519FromPrivate(raw: Uint8Array): Promise<X25519KeyPair> {
  if (raw.length !== DHLEN) throw new C2CError('malformed', 'an X25519 private key must be 32 bytes');
  const privateKey = await crypto.subtle.importKey('pkcs8', buf(concat(PKCS8_X25519_PREFIX, raw)), { name: 'X25519' }, false, ['deriveBits']);
  return { publicKey: await x25519PublicOf(privateKey), privateKey };
}

/** X25519 shared secret. A low-order or malformed peer key is an attack on the handshake: 'tampered'. */
export async function x25519(privateKey: CryptoKey, peerPublic: Uint8Array): Promise<Uint8Array> {
  try {
    const pub = await importX25519Public(peerPublic);
    return new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: pub }, privateKey, 256));
  } catch {
    throw new C2CError('tampered', 'the other side sent an invalid key');
  }
}

/** Noise HKDF is RFC 5869 HKDF with the chaining key as salt and empty info. */
function noiseHkdf(ck: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const out = hkdf(sha256, ikm, ck, new Uint8Array(0), 2 * HASHLEN);
  return [out.slice(0, HASHLEN), out.slice(HASHLEN)];
}

/** AES-256-GCM with Noise's nonce: 32 zero bits then the 64-bit big-endian counter. */
export class CipherState {
  private key: Promise<CryptoKey> | null = null;
  private n = 0;

  constructor(private k: Uint8Array | null = null) {
    if (k) this.key = importAes(k);
  }

  hasKey(): boolean {
    return this.k !== null;
  }

  async encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    if (!this.key) return plaintext;
    const iv = this.nextNonce();
    return new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: buf(ad) }, await this.key, buf(plaintext)));
  }

  async decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
    if (!this.key) return ciphertext;
    // The counter advances only on success, as the spec requires, so a forged message costs nothing.
    const iv = nonce(this.n);
    try {
      const pt = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: buf(ad) }, await this.key, buf(ciphertext)));
      this.n++;
      return pt;
    } catch {
      throw new C2CError('tampered', 'a handshake message failed authentication');
    }
  }

  destroy(): void {
    this.k?.fill(0);
    this.k = null;
    this.key = null;
  }

  private nextNonce(): Uint8Array<ArrayBuffer> {
    if (this.n >= Number.MAX_SAFE_INTEGER) throw new C2CError('too-large', 'this cipher has sent all the messages it may');
    return nonce(this.n++);
  }
}

function importAes(k: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', buf(k), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

function nonce(n: number): Uint8Array<ArrayBuffer> {
  const iv = new Uint8Array(12);
  new DataView(iv.buffer).setBigUint64(4, BigInt(n));
  return iv;
}

class SymmetricState {
  ck: Uint8Array;
  h: Uint8Array;
  cipher = new CipherState();

  constructor(protocolName: string) {
    const name = new TextEncoder().encode(protocolName);
    // Names up to HASHLEN bytes are zero-padded, longer ones hashed (spec §5.2).
    this.h = name.length <= HASHLEN ? concat(name, new Uint8Array(HASHLEN - name.length)) : sha256(name);
    this.ck = this.h.slice();
  }

  mixKey(ikm: Uint8Array): void {
    const [ck, k] = noiseHkdf(this.ck, ikm);
    this.ck.fill(0);
    this.ck = ck;
    this.cipher.destroy();
    this.cipher = new CipherState(k);
  }

  mixHash(data: Uint8Array): void {
    this.h = sha256(concat(this.h, data));
  }

  async encryptAndHash(plaintext: Uint8Array): Promise<Uint8Array> {
    const ct = await this.cipher.encryptWithAd(this.h, plaintext);
    this.mixHash(ct);
    return ct;
  }

  async decryptAndHash(ciphertext: Uint8Array): Promise<Uint8Array> {
    const pt = await this.cipher.decryptWithAd(this.h, ciphertext);
    this.mixHash(ciphertext);
    return pt;
  }

  splitKeys(): [Uint8Array, Uint8Array] {
    return noiseHkdf(this.ck, new Uint8Array(0));
  }

  destroy(): void {
    this.ck.fill(0);
    this.h.fill(0);
    this.cipher.destroy();
  }
}

type Token = 'e' | 's' | 'ee' | 'es' | 'se' | 'e1' | 'ekem1';
const XX: Token[][] = [['e'], ['e', 'ee', 's', 'es'], ['s', 'se']];
// Noise HFS: the initiator adds an ephemeral KEM key (e1), the responder encapsulates to it (ekem1) and
// both mix the KEM secret into the chaining key, before the static keys are sent.
const XX_HFS: Token[][] = [['e', 'e1'], ['e', 'ee', 'ekem1', 's', 'es'], ['s', 'se']];

export interface NoiseXXOptions {
  initiator: boolean;
  prologue: Uint8Array;
  /** This side's static key pair. */
  s: X25519KeyPair;
  /** XXhfs with X-Wing instead of plain XX. */
  hybrid?: boolean;
  /** Ephemeral key generator; injected by tests to replay published vectors. */
  generateEphemeral?: () => Promise<X25519KeyPair>;
}

/**
 * One Noise XX handshake: `-> e`, `<- e, ee, s, es`, `-> s, se`; with `hybrid`, XXhfs: `-> e, e1`,
 * `<- e, ee, ekem1, s, es`, `-> s, se`. Call writeMessage/readMessage in turn;
 * after the third message `complete` is true and splitKeys() gives the transport keys.
 */
export class NoiseXXHandshake {
  private readonly ss: SymmetricState;
  private readonly initiator: boolean;
  private s: X25519KeyPair | null;
  private e: X25519KeyPair | null = null;
  private re: Uint8Array | null = null;
  private rs: Uint8Array | null = null;
  private e1: XWingKeyPair | null = null;
  private re1: Uint8Array | null = null;
  private step = 0;
  private readonly pattern: Token[][];
  private readonly generateEphemeral: () => Promise<X25519KeyPair>;

  constructor(opts: NoiseXXOptions) {
    this.initiator = opts.initiator;
    this.s = opts.s;
    this.generateEphemeral = opts.generateEphemeral ?? generateX25519;
    this.pattern = opts.hybrid ? XX_HFS : XX;
    this.ss = new SymmetricState(opts.hybrid ? NOISE_HFS_PROTOCOL_NAME : NOISE_PROTOCOL_NAME);
    this.ss.mixHash(opts.prologue);
  }

  get complete(): boolean {
    return this.step >= this.pattern.length;
  }

  /** The peer's static public key, once its `s` token was read. */
  get remoteStatic(): Uint8Array | null {
    return this.rs;
  }

  /** The transcript hash: identical on both sides exactly when they saw the same handshake. */
  get handshakeHash(): Uint8Array {
    return this.ss.h.slice();
  }

  /** Whether it is this side's turn to write. */
  get myTurn(): boolean {
    return !this.complete && (this.step % 2 === 0) === this.initiator;
  }

  async writeMessage(payload: Uint8Array): Promise<Uint8Array> {
    if (!this.myTurn) throw new C2CError('unsupported', 'not this side’s turn in the handshake');
    const parts: Uint8Array[] = [];
    for (const token of this.pattern[this.step]!) {
      if (token === 'e') {
        this.e = await this.generateEphemeral();
        parts.push(this.e.publicKey);
        this.ss.mixHash(this.e.publicKey);
      } else if (token === 's') {
        parts.push(await this.ss.encryptAndHash(this.s!.publicKey));
      } else if (token === 'e1') {
        this.e1 = xwingKeyPair();
        parts.push(await this.ss.encryptAndHash(this.e1.publicKey));
      } else if (token === 'ekem1') {
        if (!this.re1) throw new C2CError('unsupported', 'handshake keys are missing');
        const { ciphertext, sharedSecret } = xwingEncapsulate(this.re1);
        parts.push(await this.ss.encryptAndHash(ciphertext));
        this.ss.mixKey(sharedSecret);
        sharedSecret.fill(0);
      } else {
        await this.mixDh(token);
      }
    }
    parts.push(await this.ss.encryptAndHash(payload));
    this.step++;
    const message = concat(...parts);
    if (message.length > NOISE_MAX_MESSAGE) throw new C2CError('too-large', 'a handshake message is too long');
    return message;
  }

  /** Returns the payload. Throws C2CError 'malformed' (shape) or 'tampered' (authentication). */
  async readMessage(message: Uint8Array): Promise<Uint8Array> {
    if (this.complete || this.myTurn) throw new C2CError('unsupported', 'not the other side’s turn in the handshake');
    if (message.length > NOISE_MAX_MESSAGE) throw new C2CError('too-large', 'a handshake message is too long');
    let at = 0;
    const take = (n: number): Uint8Array => {
      if (at + n > message.length) throw new C2CError('malformed', 'a handshake message is too short');
      const part = message.subarray(at, at + n);
      at += n;
      return part;
    };
    const sealed = (n: number): number => (this.ss.cipher.hasKey() ? n + TAGLEN : n);
    for (const token of this.pattern[this.step]!) {
      if (token === 'e') {
        this.re = take(DHLEN).slice();
        this.ss.mixHash(this.re);
      } else if (token === 's') {
        this.rs = await this.ss.decryptAndHash(take(sealed(DHLEN)));
      } else if (token === 'e1') {
        this.re1 = await this.ss.decryptAndHash(take(sealed(XWING_PUBLIC_KEY_LENGTH)));
      } else if (token === 'ekem1') {
        if (!this.e1) throw new C2CError('unsupported', 'handshake keys are missing');
        const shared = xwingDecapsulate(await this.ss.decryptAndHash(take(sealed(XWING_CIPHERTEXT_LENGTH))), this.e1.secretKey);
        this.ss.mixKey(shared);
        shared.fill(0);
        this.e1.secretKey.fill(0);
        this.e1 = null;
      } else {
        await this.mixDh(token);
      }
    }
    const rest = message.subarray(at);
    if (this.ss.cipher.hasKey() && rest.length < TAGLEN) throw new C2CError('malformed', 'a handshake message is too short');
    const payload = await this.ss.decryptAndHash(rest);
    this.step++;
    return payload;
  }

  /** The two transport keys (initiator→responder, responder→initiator). Only after the handshake. */
  splitKeys(): [Uint8Array, Uint8Array] {
    if (!this.complete) throw new C2CError('unsupported', 'the handshake is not complete');
    return this.ss.splitKeys();
  }

  /** Zeroes the chaining key, hash, cipher key and KEM secret; drops the DH keys. */
  destroy(): void {
    this.ss.destroy();
    this.s = null;
    this.e = null;
    this.re = null;
    this.rs = null;
    this.e1?.secretKey.fill(0);
    this.e1 = null;
    this.re1 = null;
  }

  private async mixDh(token: Token): Promise<void> {
    // Tokens name (initiator key, responder key): `es` = initiator's e with responder's s.
    const [mine, theirs] =
      token === 'ee' ? [this.e, this.re]
      : (token === 'es') === this.initiator ? [this.e, this.rs]
      : [this.s, this.re];
    if (!mine || !theirs) throw new C2CError('unsupported', 'handshake keys are missing');
    const shared = await x25519(mine.privateKey, theirs);
    this.ss.mixKey(shared);
    shared.fill(0);
  }
}
