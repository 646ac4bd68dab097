// Double Ratchet (Signal specification, revision 4) with X25519, HKDF-SHA256 (KDF_RK), HMAC-SHA256
// (KDF_CK) and AES-256-GCM. Chain and message keys are Uint8Arrays (zeroed when used or destroyed);
// per message the only WebCrypto work is one AES key import and one AES-GCM call.
// Failed decryption never changes the state: everything is staged and committed after the AEAD holds.
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { buf, concat, equalBytes, toHex, utf8 } from '../bytes';
import { C2CError } from '../errors';
import { generateX25519, x25519, type X25519KeyPair } from './noise';

/** Most message keys skipped within one chain step (a larger gap is refused). */
export const MAX_SKIP = 100;
/** Most skipped message keys kept in all; the oldest go first. */
export const MAX_SKIPPED_KEYS = 1000;
/** Previous ratchet keys of the peer remembered to tell a replay from a forgery. */
const MAX_OLD_RATCHET_KEYS = 64;
export const RATCHET_HEADER_LENGTH = 40; // dh(32) ‖ pn u32be ‖ n u32be
const TAG_LENGTH = 16;

const INFO_ROOT = utf8('c2c/chat/v1/root');
const INFO_MESSAGE = utf8('c2c/chat/v1/message');
const CK_MESSAGE = new Uint8Array([1]);
const CK_CHAIN = new Uint8Array([2]);

interface Header {
  dh: Uint8Array;
  pn: number;
  n: number;
}

function encodeHeader(h: Header): Uint8Array {
  const out = new Uint8Array(RATCHET_HEADER_LENGTH);
  out.set(h.dh, 0);
  const view = new DataView(out.buffer);
  view.setUint32(32, h.pn);
  view.setUint32(36, h.n);
  return out;
}

function decodeHeader(bytes: Uint8Array): Header {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { dh: bytes.slice(0, 32), pn: view.getUint32(32), n: view.getUint32(36) };
}

/** KDF_RK: HKDF with the root key as salt → (new root key, chain key). */
function kdfRoot(rk: Uint8Array, dhOut: Uint8Array): [Uint8Array, Uint8Array] {
  const out = hkdf(sha256, dhOut, rk, INFO_ROOT, 64);
  dhOut.fill(0);
  return [out.slice(0, 32), out.slice(32)];
}

/** KDF_CK: message key = HMAC(ck, 0x01), next chain key = HMAC(ck, 0x02). */
function kdfChain(ck: Uint8Array): [Uint8Array, Uint8Array] {
  return [hmac(sha256, ck, CK_CHAIN), hmac(sha256, ck, CK_MESSAGE)];
}

async function aead(mk: Uint8Array, ad: Uint8Array, data: Uint8Array, mode: 'encrypt' | 'decrypt'): Promise<Uint8Array> {
  // Each message key is used once; HKDF stretches it into the AES key and the nonce.
  const okm = hkdf(sha256, mk, new Uint8Array(32), INFO_MESSAGE, 44);
  try {
    const key = await crypto.subtle.importKey('raw', buf(okm.subarray(0, 32)), { name: 'AES-GCM' }, false, [mode]);
    const params = { name: 'AES-GCM', iv: buf(okm.slice(32)), additionalData: buf(ad) };
    return new Uint8Array(mode === 'encrypt' ? await crypto.subtle.encrypt(params, key, buf(data)) : await crypto.subtle.decrypt(params, key, buf(data)));
  } finally {
    okm.fill(0);
  }
}

function skippedId(dh: Uint8Array, n: number): string {
  return `${toHex(dh)}:${n}`;
}

export interface RatchetInit {
  /** Shared secret from the handshake (32 bytes). Copied; the caller may zero its own. */
  sharedKey: Uint8Array;
  /** Bound into every message's associated data (the handshake hash). */
  associatedData: Uint8Array;
  /** This side's first ratchet key pair, announced in the handshake. */
  ours: X25519KeyPair;
  /** The peer's first ratchet public key, received in the handshake. */
  theirs: Uint8Array;
}

export class DoubleRatchet {
  private dhs: X25519KeyPair | null;
  private dhr: Uint8Array | null;
  private rk: Uint8Array;
  private cks: Uint8Array | null = null;
  private ckr: Uint8Array | null = null;
  private ns = 0;
  private nr = 0;
  private pn = 0;
  private readonly skipped = new Map<string, Uint8Array>();
  private readonly oldRatchetKeys = new Set<string>();
  private ad: Uint8Array;
  private destroyed = false;

  private constructor(init: RatchetInit) {
    this.dhs = init.ours;
    this.dhr = init.theirs.slice();
    this.rk = init.sharedKey.slice();
    this.ad = init.associatedData.slice();
  }

  /**
   * The side that sends first (Signal's "Alice"): derives its sending chain from DH(ours, theirs) at once.
   * The other side must be created with `responder` and the same keys swapped.
   */
  static async initiator(init: RatchetInit): Promise<DoubleRatchet> {
    const r = new DoubleRatchet(init);
    [r.rk, r.cks] = kdfRoot(r.rk, await x25519(init.ours.privateKey, init.theirs));
    return r;
  }

  /**
   * Signal's "Bob", with Alice's first ratchet key already known from the handshake: performs the DH
   * ratchet step her first message would trigger, so this side can send before it has received anything.
   */
  static async responder(init: RatchetInit): Promise<DoubleRatchet> {
    const r = new DoubleRatchet(init);
    const [rk1, ckr] = kdfRoot(r.rk, await x25519(init.ours.privateKey, init.theirs));
    const next = await generateX25519();
    const [rk2, cks] = kdfRoot(rk1, await x25519(next.privateKey, init.theirs));
    r.rk.fill(0);
    rk1.fill(0);
    r.rk = rk2;
    r.ckr = ckr;
    r.cks = cks;
    r.dhs = next;
    return r;
  }

  /**
   * Encrypts one message. `context` (e.g. the frame's own header) is authenticated with it.
   * Returns header ‖ ciphertext. The state advances synchronously, before any await.
   */
  async encrypt(plaintext: Uint8Array, context: Uint8Array): Promise<Uint8Array> {
    if (this.destroyed || !this.cks || !this.dhs) throw new C2CError('unsupported', 'this chat session has ended');
    const [ck, mk] = kdfChain(this.cks);
    this.cks.fill(0);
    this.cks = ck;
    const header = encodeHeader({ dh: this.dhs.publicKey, pn: this.pn, n: this.ns++ });
    try {
      return concat(header, await aead(mk, concat(this.ad, context, header), plaintext, 'encrypt'));
    } finally {
      mk.fill(0);
    }
  }

  /**
   * Decrypts header ‖ ciphertext. Throws C2CError: 'malformed' (shape), 'replayed' (a message already
   * opened), 'too-large' (too many skipped), 'tampered' (authentication failed). State is unchanged
   * on any error.
   */
  async decrypt(message: Uint8Array, context: Uint8Array): Promise<Uint8Array> {
    if (this.destroyed || !this.dhs) throw new C2CError('unsupported', 'this chat session has ended');
    if (message.length < RATCHET_HEADER_LENGTH + TAG_LENGTH) throw new C2CError('malformed', 'a chat message is too short');
    const headerBytes = message.subarray(0, RATCHET_HEADER_LENGTH);
    const header = decodeHeader(headerBytes);
    const body = message.subarray(RATCHET_HEADER_LENGTH);
    const ad = concat(this.ad, context, headerBytes);

    const id = skippedId(header.dh, header.n);
    const stored = this.skipped.get(id);
    if (stored) {
      const plaintext = await this.open(stored, ad, body);
      this.skipped.delete(id);
      stored.fill(0);
      return plaintext;
    }

    const staged: Array<[string, Uint8Array]> = [];
    const wipe = (...keys: Array<Uint8Array | null>): void => {
      for (const k of keys) k?.fill(0);
      for (const [, k] of staged) k.fill(0);
    };

    if (this.dhr && equalBytes(header.dh, this.dhr)) {
      if (header.n < this.nr) throw new C2CError('replayed', 'this message was already received');
      if (!this.ckr) throw new C2CError('tampered', 'a message arrived on a chain that does not exist');
      const [ck, mk] = this.messageKey(this.ckr, this.nr, header.n, this.dhr, staged);
      try {
        const plaintext = await this.open(mk, ad, body);
        this.checkAlive();
        this.ckr.fill(0);
        this.ckr = ck;
        this.nr = header.n + 1;
        this.commitSkipped(staged);
        return plaintext;
      } catch (e) {
        wipe(ck);
        throw e;
      } finally {
        mk.fill(0);
      }
    }

    if (this.oldRatchetKeys.has(toHex(header.dh))) throw new C2CError('replayed', 'this message was already received');
    // A new ratchet key from the peer: stage the rest of the current receiving chain, step the DH ratchet.
    let rk1: Uint8Array | null = null;
    let ckr: Uint8Array | null = null;
    let mk: Uint8Array | null = null;
    try {
      if (this.ckr && this.dhr) this.stage(this.ckr, this.nr, header.pn, this.dhr, staged).fill(0);
      [rk1, ckr] = kdfRoot(this.rk, await x25519(this.dhs.privateKey, header.dh));
      const [ck, key] = this.messageKey(ckr, 0, header.n, header.dh, staged);
      ckr.fill(0);
      ckr = ck;
      mk = key;
      const plaintext = await this.open(mk, ad, body);
      // Authentic: only now generate our next ratchet key, then commit everything at once.
      const next = await generateX25519();
      const [rk2, cks] = kdfRoot(rk1, await x25519(next.privateKey, header.dh));
      this.checkAlive();
      if (this.dhr) this.rememberOldKey(toHex(this.dhr));
      this.commitSkipped(staged);
      this.rk.fill(0);
      this.cks?.fill(0);
      this.ckr?.fill(0);
      rk1.fill(0);
      this.rk = rk2;
      this.cks = cks;
      this.ckr = ckr;
      this.dhs = next;
      this.dhr = header.dh;
      this.pn = this.ns;
      this.ns = 0;
      this.nr = header.n + 1;
      return plaintext;
    } catch (e) {
      wipe(rk1, ckr);
      throw e;
    } finally {
      mk?.fill(0);
    }
  }

  /** Zeroes every chain, root and skipped key and drops the DH keys; the object is unusable after. */
  destroy(): void {
    this.destroyed = true;
    this.rk.fill(0);
    this.cks?.fill(0);
    this.ckr?.fill(0);
    this.ad.fill(0);
    for (const k of this.skipped.values()) k.fill(0);
    this.skipped.clear();
    this.oldRatchetKeys.clear();
    this.cks = null;
    this.ckr = null;
    this.dhs = null;
    this.dhr = null;
    this.rk = new Uint8Array(0);
    this.ad = new Uint8Array(0);
  }

  /**
   * Stages the message keys of indexes `from`..`until - 1` of a chain and returns the chain key at
   * `until` (a copy: the input chain key is not modified).
   */
  private stage(ck: Uint8Array, from: number, until: number, dh: Uint8Array, staged: Array<[string, Uint8Array]>): Uint8Array {
    if (until < from) throw new C2CError('tampered', 'a chat message header is inconsistent');
    if (until - from > MAX_SKIP) throw new C2CError('too-large', `more than ${MAX_SKIP} messages are missing`);
    let chain: Uint8Array = ck.slice();
    for (let i = from; i < until; i++) {
      const [next, mk] = kdfChain(chain);
      chain.fill(0);
      chain = next;
      staged.push([skippedId(dh, i), mk]);
    }
    return chain;
  }

  /** The message key for index `n` and the chain key after it, staging the keys skipped on the way. */
  private messageKey(ck: Uint8Array, from: number, n: number, dh: Uint8Array, staged: Array<[string, Uint8Array]>): [Uint8Array, Uint8Array] {
    const chain = this.stage(ck, from, n, dh, staged);
    const out = kdfChain(chain);
    chain.fill(0);
    return out;
  }

  private checkAlive(): void {
    if (this.destroyed) throw new C2CError('unsupported', 'this chat session has ended');
  }

  private commitSkipped(staged: Array<[string, Uint8Array]>): void {
    for (const [id, mk] of staged) this.skipped.set(id, mk);
    for (const [id, mk] of this.skipped) {
      if (this.skipped.size <= MAX_SKIPPED_KEYS) break;
      mk.fill(0);
      this.skipped.delete(id);
    }
  }

  private rememberOldKey(hex: string): void {
    this.oldRatchetKeys.add(hex);
    for (const k of this.oldRatchetKeys) {
      if (this.oldRatchetKeys.size <= MAX_OLD_RATCHET_KEYS) break;
      this.oldRatchetKeys.delete(k);
    }
  }

  private async open(mk: Uint8Array, ad: Uint8Array, body: Uint8Array): Promise<Uint8Array> {
    try {
      return await aead(mk, ad, body, 'decrypt');
    } catch {
      throw new C2CError('tampered', 'a chat message failed authentication: it was altered or forged');
    }
  }
}
