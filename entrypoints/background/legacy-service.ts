// The legacy (cryptico, CRYPT2CHAT-compatible) suite in the background. Rules (docs/THREAT-MODEL.md, "Legacy suite"): opt-in per
// contact, never chosen automatically (encrypt only with an explicit suite 'cryptico'), never used for a
// contact who has a modern key, opened only on a user action, and shown as 'legacy' (never 'verified');
// `legacyAuthentic` only for a valid signature by the contact's pinned legacy key.
import { armor, dearmor } from '@/lib/armor/armor';
import { C2CError } from '@/lib/errors';
import { FORMAT_ID, formatIdOf } from '@/lib/crypto/format-ids';
import { getContact, listContacts, pinLegacyContact } from '@/lib/keyring/contacts';
import type { KeyringDB } from '@/lib/keyring/db';
import { legacyPublicKey, loadLegacyKey, saveLegacyKey } from '@/lib/keyring/legacy-keys';
import { decodeLegacyPayload, encodeLegacyPayload, splitCrypticoString } from '@/lib/legacy/legacy-payload';
import { legacyFingerprint, sameLegacyKey } from '@/lib/legacy/legacy-public-key';
import type { DecryptResult, LegacyKeyInfo, RequestOf, ResponseData } from '@/lib/protocol/background-api';

/**
 * cryptico itself (which replaces Math.random when it loads) is imported only when the user does something
 * with the legacy suite: creating the legacy key, or encrypting or opening a legacy message. Firefox's event
 * page loads it then; Chrome's service worker cannot import() at run time, so there the bundler inlines it
 * and only its evaluation waits (docs/ARCHITECTURE.md).
 */
const loadCryptico = () => import('@/lib/legacy/cryptico-suite');

/** The key size offered to users: 1024 is factorable by well-funded attackers, 3072 blocks stock peers for seconds. */
const LEGACY_KEY_BITS = 2048;

/** What a decrypt request carries: a cryptico string (bare, or armored as format 0x02) or a modern payload. */
export type Ciphertext = { suite: 'cryptico'; cipher: string } | { suite: 'modern'; payload: Uint8Array };

export function classifyCiphertext(text: string): Ciphertext {
  // Chat sites may wrap a long bare string; cryptico strings never contain whitespace.
  const compact = text.replace(/\s+/g, '');
  if (splitCrypticoString(compact)) return { suite: 'cryptico', cipher: compact };
  const payload = dearmor(text);
  return formatIdOf(payload) === FORMAT_ID.legacyCryptico
    ? { suite: 'cryptico', cipher: decodeLegacyPayload(payload) }
    : { suite: 'modern', payload };
}

export interface LegacyService {
  createLegacyKey(): Promise<ResponseData<'createLegacyKey'>>;
  getLegacyPublicKey(): Promise<ResponseData<'getLegacyPublicKey'>>;
  pinLegacyContact(request: RequestOf<'pinLegacyContact'>): Promise<ResponseData<'pinLegacyContact'>>;
  /** Encrypts to one legacy-only contact, signed with the user's legacy key. */
  encrypt(recipients: string[], plaintext: string, raw: boolean, maxPartLength?: number): Promise<ResponseData<'encrypt'>>;
  /** Throws C2CError for anything that must be shown as an error (the caller maps it). */
  decrypt(cipher: string, userAction: boolean): Promise<DecryptResult>;
}

export function createLegacyService(db: KeyringDB): LegacyService {
  async function keyInfo(publicKey: string): Promise<LegacyKeyInfo> {
    return { publicKey, fingerprint: await legacyFingerprint(publicKey) };
  }

  async function ownKeyOrFail() {
    const key = await loadLegacyKey(db);
    if (!key) throw new C2CError('no-legacy-key', 'Create your legacy key first (Legacy section of the popup).');
    return key;
  }

  /** The contact whose pinned legacy key this is (legacy keys are few: a scan is fine). */
  async function contactWithLegacyKey(publicKey: string) {
    return (await listContacts(db)).find((c) => c.legacyPublicKey !== undefined && sameLegacyKey(c.legacyPublicKey, publicKey));
  }

  return {
    async createLegacyKey() {
      // Checked before the (slow) key generation; saveLegacyKey checks again atomically.
      if (await legacyPublicKey(db)) throw new C2CError('exists', 'A legacy key already exists.');
      const { generateLegacyKey } = await loadCryptico();
      const key = await generateLegacyKey(LEGACY_KEY_BITS);
      await saveLegacyKey(db, key);
      return { key: await keyInfo(key.publicKey) };
    },

    async getLegacyPublicKey() {
      const publicKey = await legacyPublicKey(db);
      return { key: publicKey === undefined ? null : await keyInfo(publicKey) };
    },

    async pinLegacyContact({ handle, publicKey }) {
      if ((await getContact(db, handle))?.bundle) {
        throw new C2CError('unsupported', 'This contact has a modern key: the legacy suite is never used for them.');
      }
      const result = await pinLegacyContact(db, handle, publicKey);
      const contact = await getContact(db, handle);
      if (!contact?.legacyPublicKey) throw new C2CError('not-found', 'The contact was not saved.');
      return { result, handle: contact.handle, fingerprint: await legacyFingerprint(contact.legacyPublicKey) };
    },

    async encrypt(recipients, plaintext, raw, maxPartLength) {
      const handles = [...new Set(recipients)];
      if (handles.length !== 1) throw new C2CError('unsupported', 'The legacy suite encrypts to one contact at a time.');
      const contact = await getContact(db, handles[0]!);
      if (!contact) throw new C2CError('not-found', 'No such contact.');
      if (contact.bundle) throw new C2CError('unsupported', `${contact.handle} has a modern key: the legacy suite is never used for them.`);
      if (!contact.legacyPublicKey) throw new C2CError('unsupported', `${contact.handle} has no legacy key.`);
      const { legacyEncrypt } = await loadCryptico();
      const cipher = legacyEncrypt(plaintext, contact.legacyPublicKey, await ownKeyOrFail());
      return { parts: raw ? [cipher] : armor(encodeLegacyPayload(cipher), { maxPartLength }) };
    },

    async decrypt(cipher, userAction) {
      if (!userAction) throw new C2CError('user-action-required', 'Legacy messages are opened only when you click them.');
      const { isAuthenticLegacy, legacyDecrypt } = await loadCryptico();
      const opened = legacyDecrypt(cipher, await ownKeyOrFail());
      // No MAC: a broken signature means altered or misattributed text, which is not shown at all.
      if (opened.signature === 'forged') {
        throw new C2CError('bad-signature', 'The legacy signature does not verify: the message was altered or forged.');
      }
      const signer = opened.signer;
      const contact = signer === undefined ? undefined : await contactWithLegacyKey(signer);
      const authentic = contact?.legacyPublicKey !== undefined && isAuthenticLegacy(opened, contact.legacyPublicKey);
      return {
        status: 'legacy',
        plaintext: opened.plaintext,
        senderFingerprint: signer === undefined ? '' : await legacyFingerprint(signer),
        ...(authentic && contact ? { senderHandle: contact.handle } : {}),
        legacyAuthentic: authentic,
      };
    },
  };
}
