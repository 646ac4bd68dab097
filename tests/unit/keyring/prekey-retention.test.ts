// Prekeys in the browser keyring (lib/keyring/identity-store.ts): made non-extractable, a retired one kept
// for PREKEY_RETENTION_MS after it was replaced so late messages to it still open, then deleted; and a v1
// message whose sender prekey was much older than the message is refused (lib/crypto/prekey.ts).
import { describe, expect, it } from 'vitest';
import { fromUtf8, utf8 } from '../../../lib/bytes';
import { generateIdentity } from '../../../lib/crypto/identity';
import { sealMessage } from '../../../lib/crypto/message';
import { openTextMessage } from '../../../lib/crypto/open-message';
import { generatePrekey, V1_SENDER_PREKEY_MAX_AGE_MS } from '../../../lib/crypto/prekey';
import { isC2CError } from '../../../lib/errors';
import { PREKEY_RETENTION_MS } from '../../../lib/keyring/identity-store';
import { openTestKeyring } from './helpers';

const DAY = 24 * 60 * 60 * 1000;
const notAddressed = (e: unknown) => isC2CError(e, 'not-addressed');

async function outsider() {
  const identity = await generateIdentity();
  return { identity, prekey: await generatePrekey(identity, { now: Date.now() }) };
}

describe('prekey retention', () => {
  it('every prekey the keyring makes is non-extractable', async () => {
    const k = openTestKeyring();
    await k.createIdentity('alice', { now: 1_000 });
    await k.rotatePrekey(2_000);
    const { prekeys } = await k.getOpeningKeys();
    expect(prekeys).toHaveLength(2);
    for (const p of prekeys) {
      expect(p.privateKey.extractable).toBe(false);
      await expect(crypto.subtle.exportKey('pkcs8', p.privateKey)).rejects.toThrow();
    }
  });

  it(`a retired prekey opens late messages for ${PREKEY_RETENTION_MS / DAY} days after it was replaced, then is gone`, async () => {
    const k = openTestKeyring();
    const t0 = Date.now() - 100 * DAY;
    await k.createIdentity('alice', { now: t0 });
    const first = await k.publicBundle();
    const sender = await outsider();
    const late = await sealMessage({ sender, recipients: [first], plaintext: utf8('sealed before the rotation') });

    const retiredAt = t0 + DAY;
    await k.rotatePrekey(retiredAt);
    await k.rotatePrekey(retiredAt + PREKEY_RETENTION_MS - 1); // the first prekey is still within its time
    expect(fromUtf8((await openTextMessage(late, await k.getOpeningKeys())).plaintext)).toBe('sealed before the rotation');
    expect((await k.getIdentity())?.retainedPrekeys).toBe(2);

    await k.rotatePrekey(retiredAt + PREKEY_RETENTION_MS); // now it is dropped; the two retired since stay
    const keys = await k.getOpeningKeys();
    expect(keys.prekeys).toHaveLength(3);
    expect(keys.prekeys.map((p) => p.publicKey)).not.toContainEqual(first.prekey.publicKey);
    await expect(openTextMessage(late, keys)).rejects.toSatisfy(notAddressed);
  });
});

describe('v1 sender prekey age', () => {
  it(`a v1 message is refused when its sender's prekey is more than ${V1_SENDER_PREKEY_MAX_AGE_MS / DAY} days older than the message`, async () => {
    const k = openTestKeyring();
    await k.createIdentity('bob');
    const me = await k.getOpeningKeys();
    const identity = await generateIdentity();
    const created = Date.now() - 200 * DAY;
    const prekey = await generatePrekey(identity, { now: created });
    const bob = await k.publicBundle();
    const at = (age: number) => sealMessage({ sender: { identity, prekey }, recipients: [bob], plaintext: utf8(`age ${age}`), timestamp: created + age });

    expect(fromUtf8((await openTextMessage(await at(V1_SENDER_PREKEY_MAX_AGE_MS), me)).plaintext)).toBe(`age ${V1_SENDER_PREKEY_MAX_AGE_MS}`);
    await expect(openTextMessage(await at(V1_SENDER_PREKEY_MAX_AGE_MS + 1), me)).rejects.toSatisfy((e) => isC2CError(e, 'key-mismatch'));
    // A message dated at its prekey's creation opens.
    expect(fromUtf8((await openTextMessage(await at(0), me)).plaintext)).toBe('age 0');
  });
});
