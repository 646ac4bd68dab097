import { describe, expect, it } from 'vitest';
import { isC2CError } from '../../../lib/errors';
import { observeContactKey, signedChain } from '../../../lib/keyring/contacts';
import { dumpKeyring, makePerson, openTestKeyring } from './helpers';

describe('keyring contacts (trust on first use)', () => {
  it('pins a new contact on first use and reports unchanged on the same key', async () => {
    const k = openTestKeyring();
    const bob = await makePerson('bob');
    const b1 = await bob.bundleAt(1_000);
    expect(await k.pinContact('Bob', b1, 5_000)).toBe('pinned');
    expect(await k.pinContact('bob', b1, 6_000)).toBe('unchanged');
    const c = await k.getContact('BOB');
    expect(c?.handle).toBe('bob');
    expect(c?.bundle?.identityKey).toEqual(bob.identity.publicKey);
    expect(c?.pinnedAt).toBe(5_000);
    expect(c?.verified).toBe(false);
    expect(c?.keyChanged).toBe(false);
    expect(c?.suite).toBe('modern');
    expect(c?.keyHistory).toEqual([{ identityKey: bob.identity.publicKey, firstSeen: 5_000, lastSeen: 6_000 }]);
    expect(await k.canSendTo('bob')).toBe(true);
    expect((await k.findContactByIdentityKey(bob.identity.publicKey))?.handle).toBe('bob');
  });

  it('detects a changed identity key: no silent replacement, sending blocked, history kept, then re-verified', async () => {
    const k = openTestKeyring();
    const bob = await makePerson('bob');
    const mallory = await makePerson('bob');
    const real = await bob.bundleAt(1_000);
    await k.pinContact('bob', real, 10);
    await k.markVerified('bob', 11);

    const fake = await mallory.bundleAt(2_000);
    expect(await k.pinContact('bob', fake, 20)).toBe('key-changed');
    const c = await k.getContact('bob');
    expect(c?.bundle?.identityKey).toEqual(bob.identity.publicKey); // still the old pinned key
    expect(c?.pendingBundle?.identityKey).toEqual(mallory.identity.publicKey);
    expect(c?.keyChanged).toBe(true);
    expect(c?.keyHistory.map((e) => e.identityKey)).toEqual([bob.identity.publicKey, mallory.identity.publicKey]);
    expect(await k.canSendTo('bob')).toBe(false);
    await expect(k.bundlesForSending(['bob'])).rejects.toSatisfy((e) => isC2CError(e, 'key-mismatch'));
    await expect(k.markVerified('bob')).rejects.toSatisfy((e) => isC2CError(e, 'key-mismatch'));
    // The new key is not "pinned": a message under it must not be labelled as from bob.
    expect(await k.findContactByIdentityKey(mallory.identity.publicKey)).toBeUndefined();
    // Seeing it again (a lookup, a message) keeps reporting the change.
    expect(await k.observeContactKey('bob', fake, 30)).toBe('key-changed');
    expect(await k.observeContactKey('bob', real, 31)).toBe('key-changed');

    // Re-verifying needs the key the user was shown, not some other key.
    const other = await makePerson('bob');
    await expect(k.reverifyContact('bob', other.identity.publicKey)).rejects.toSatisfy((e) => isC2CError(e, 'key-mismatch'));
    const accepted = await k.reverifyContact('bob', mallory.identity.publicKey, { now: 40 });
    expect(accepted.keyChanged).toBe(false);
    expect(accepted.bundle?.identityKey).toEqual(mallory.identity.publicKey);
    expect(accepted.pendingBundle).toBeUndefined();
    expect(accepted.verified).toBe(false); // the earlier comparison was for the old key
    expect(accepted.keyHistory[0]).toMatchObject({ identityKey: bob.identity.publicKey, replacedAt: 40 });
    expect(await k.canSendTo('bob')).toBe(true);
    expect((await k.findContactByIdentityKey(mallory.identity.publicKey))?.handle).toBe('bob');
    expect(await k.findContactByIdentityKey(bob.identity.publicKey)).toBeUndefined();
  });

  it('can reject a key change by re-confirming the pinned key, keeping the earlier verification', async () => {
    const k = openTestKeyring();
    const bob = await makePerson('bob');
    const mallory = await makePerson('bob');
    await k.pinContact('bob', await bob.bundleAt(1), 1);
    await k.markVerified('bob', 2);
    await k.pinContact('bob', await mallory.bundleAt(3), 3);
    const kept = await k.reverifyContact('bob', bob.identity.publicKey);
    expect(kept.bundle?.identityKey).toEqual(bob.identity.publicKey);
    expect(kept).toMatchObject({ keyChanged: false, verified: true, verifiedAt: 2 });
    expect(kept.keyHistory).toHaveLength(2); // the rejected key stays on record
  });

  it('takes a newer prekey for the same identity silently, but only with a valid signature', async () => {
    const k = openTestKeyring();
    const bob = await makePerson('bob');
    await k.pinContact('bob', await bob.bundleAt(1_000));
    const newer = await bob.bundleAt(2_000);
    expect(await k.observeContactKey('bob', newer)).toBe('prekey-updated');
    expect((await k.getContact('bob'))?.bundle?.prekey.publicKey).toEqual(newer.prekey.publicKey);

    // An older prekey (replayed bundle) does not roll back.
    expect(await k.pinContact('bob', await bob.bundleAt(1_500))).toBe('unchanged');
    expect((await k.getContact('bob'))?.bundle?.prekey.publicKey).toEqual(newer.prekey.publicKey);

    // A forged signature on a newer prekey is refused and nothing changes.
    const forged = await bob.bundleAt(3_000);
    forged.prekey.signature[5]! ^= 1;
    const before = await dumpKeyring(k);
    await expect(k.observeContactKey('bob', forged)).rejects.toSatisfy((e) => isC2CError(e, 'bad-signature'));
    // A valid signature over a different creation time does not verify either.
    const retimed = await bob.bundleAt(4_000);
    retimed.prekey.created = 5_000;
    await expect(k.pinContact('bob', retimed)).rejects.toSatisfy((e) => isC2CError(e, 'bad-signature'));
    expect(await dumpKeyring(k)).toEqual(before);
    expect(await k.canSendTo('bob')).toBe(true);
  });

  it('observing an unknown handle never pins it', async () => {
    const k = openTestKeyring();
    const eve = await makePerson('eve');
    expect(await k.observeContactKey('eve', await eve.bundleAt(1))).toBe('not-pinned');
    expect(await k.getContact('eve')).toBeUndefined();
    expect(await k.canSendTo('eve')).toBe(false);
    await expect(k.bundlesForSending(['eve'])).rejects.toSatisfy((e) => isC2CError(e, 'not-found'));
  });

  it('rejects malformed bundles and a bundle labelled for another handle', async () => {
    const k = openTestKeyring();
    const bob = await makePerson('bob');
    const good = await bob.bundleAt(1);
    await expect(k.pinContact('carol', good)).rejects.toSatisfy((e) => isC2CError(e, 'key-mismatch'));
    const short = { ...good, identityKey: good.identityKey.slice(0, 31) };
    await expect(k.pinContact('bob', short)).rejects.toSatisfy((e) => isC2CError(e, 'malformed'));
    await expect(k.pinContact('bob', null as never)).rejects.toSatisfy((e) => isC2CError(e, 'malformed'));
    await expect(k.pinContact('bad handle', { ...good, handle: undefined })).rejects.toSatisfy((e) => isC2CError(e, 'malformed'));
    expect(await k.listContacts()).toEqual([]);
  });

  it('lists, verifies and removes contacts; removal also drops them from conversation bindings', async () => {
    const k = openTestKeyring();
    const bob = await makePerson('bob');
    const carol = await makePerson('carol');
    await k.pinContact('carol', await carol.bundleAt(1));
    await k.pinContact('bob', await bob.bundleAt(1));
    expect((await k.listContacts()).map((c) => c.handle)).toEqual(['bob', 'carol']);
    expect(await k.markVerified('bob', 77)).toMatchObject({ verified: true, verifiedAt: 77 });
    await k.rememberRecipients('https://chat.example', 'room-1', ['bob', 'carol']);
    await k.rememberRecipients('https://chat.example', 'dm-bob', ['bob']);

    expect(await k.removeContact('bob')).toBe(true);
    expect(await k.removeContact('bob')).toBe(false);
    expect(await k.getContact('bob')).toBeUndefined();
    expect(await k.findContactByIdentityKey(bob.identity.publicKey)).toBeUndefined();
    expect(await k.recipientsFor('https://chat.example', 'room-1')).toEqual(['carol']);
    expect(await k.recipientsFor('https://chat.example', 'dm-bob')).toEqual([]);
    await expect(k.markVerified('bob')).rejects.toSatisfy((e) => isC2CError(e, 'not-found'));
    // Re-adding after removal keeps the history: another key than bob had is a key change, not a first use.
    expect(await k.pinContact('bob', await (await makePerson('bob')).bundleAt(1))).toBe('key-changed');
  });

  it('adding a removed contact again keeps its key history; the comparison is made again', async () => {
    const k = openTestKeyring();
    const bob = await makePerson('bob');
    await k.pinContact('bob', await bob.bundleAt(1), 10);
    await k.markVerified('bob', 11);
    expect(await k.removeContact('bob')).toBe(true);
    expect(await k.pinContact('bob', await bob.bundleAt(2), 20)).toBe('pinned');
    const again = await k.getContact('bob');
    expect(again).toMatchObject({ verified: false, keyChanged: false, pinnedAt: 10 });
    expect(again?.keyHistory).toEqual([{ identityKey: bob.identity.publicKey, firstSeen: 10, lastSeen: 20 }]);
    expect(await k.findContactByIdentityKey(bob.identity.publicKey)).toMatchObject({ handle: 'bob' });
  });

  it('tells a key change signed by the pinned key (in the key log) from a replacement without proof', async () => {
    const k = openTestKeyring();
    const bob = await makePerson('bob');
    const next = await makePerson('bob');
    const mallory = await makePerson('bob');
    await k.pinContact('bob', await bob.bundleAt(1));
    // A replacement seen without the log's proof: unproven.
    expect(await observeContactKey(k.db, 'bob', await mallory.bundleAt(2), 2, [])).toBe('key-changed');
    expect(await k.getContact('bob')).toMatchObject({ keyChanged: true, pendingProof: 'unproven' });
    await k.reverifyContact('bob', bob.identity.publicKey);
    expect((await k.getContact('bob'))?.pendingProof).toBeUndefined();
    // A change the log holds, signed by bob's pinned key: signed. A change from another key is not a proof.
    const unrelated = [{ oldKey: mallory.identity.publicKey, newKey: next.identity.publicKey }];
    expect(await observeContactKey(k.db, 'bob', await next.bundleAt(3), 3, unrelated)).toBe('key-changed');
    expect((await k.getContact('bob'))?.pendingProof).toBe('unproven');
    const signed = [{ oldKey: bob.identity.publicKey, newKey: next.identity.publicKey }];
    expect(await observeContactKey(k.db, 'bob', await next.bundleAt(4), 4, signed)).toBe('key-changed');
    expect((await k.getContact('bob'))?.pendingProof).toBe('signed');
    // Once proven, a later sighting without the proof does not undo it.
    await observeContactKey(k.db, 'bob', await next.bundleAt(5), 5, []);
    expect((await k.getContact('bob'))?.pendingProof).toBe('signed');
  });

  it('signedChain follows key changes in log order, each from the key before it', async () => {
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map(async () => (await makePerson('x')).identity.publicKey));
    expect(signedChain([{ oldKey: a!, newKey: b! }, { oldKey: b!, newKey: c! }], a!, c!)).toBe(true);
    expect(signedChain([{ oldKey: b!, newKey: c! }, { oldKey: a!, newKey: b! }], a!, c!)).toBe(false); // out of order
    expect(signedChain([{ oldKey: a!, newKey: b! }], a!, c!)).toBe(false);
    expect(signedChain([], a!, a!)).toBe(false); // no change at all is not a signed change
  });

  it('conversation bindings only accept known contacts and bounded input', async () => {
    const k = openTestKeyring();
    const bob = await makePerson('bob');
    await k.pinContact('bob', await bob.bundleAt(1));
    await expect(k.rememberRecipients('site', 'c1', ['bob', 'nobody'])).rejects.toSatisfy((e) => isC2CError(e, 'not-found'));
    expect(await k.recipientsFor('site', 'c1')).toEqual([]);
    await expect(k.rememberRecipients('site', 'c1', [])).rejects.toSatisfy((e) => isC2CError(e, 'malformed'));
    await expect(k.rememberRecipients('', 'c1', ['bob'])).rejects.toSatisfy((e) => isC2CError(e, 'malformed'));
    await expect(k.rememberRecipients('site', 'x'.repeat(1025), ['bob'])).rejects.toSatisfy((e) => isC2CError(e, 'malformed'));
    await k.rememberRecipients('site', 'c1', ['Bob', 'bob']);
    expect(await k.recipientsFor('site', 'c1')).toEqual(['bob']);
    expect(await k.recipientsFor('other-site', 'c1')).toEqual([]);
  });

  it('legacy contacts are opt-in, refuse a different legacy key, and yield to a modern key', async () => {
    const k = openTestKeyring();
    const { generateLegacyKey } = await import('../../../lib/legacy/legacy-key');
    const legacy = await generateLegacyKey(1024);
    const other = await generateLegacyKey(1024);
    await expect(k.pinLegacyContact('dave', 'not a key')).rejects.toSatisfy((e) => isC2CError(e, 'malformed'));
    expect(await k.pinLegacyContact('dave', legacy.publicKey)).toBe('pinned');
    expect(await k.pinLegacyContact('dave', legacy.publicKey)).toBe('unchanged');
    await expect(k.pinLegacyContact('dave', other.publicKey)).rejects.toSatisfy((e) => isC2CError(e, 'key-mismatch'));
    expect(await k.getContact('dave')).toMatchObject({ suite: 'legacy', legacyPublicKey: legacy.publicKey });
    expect(await k.canSendTo('dave')).toBe(true);
    await expect(k.bundlesForSending(['dave'])).rejects.toSatisfy((e) => isC2CError(e, 'unsupported'));
    await expect(k.markVerified('dave')).rejects.toSatisfy((e) => isC2CError(e, 'unsupported'));

    const daveModern = await makePerson('dave');
    expect(await k.pinContact('dave', await daveModern.bundleAt(1))).toBe('pinned');
    expect(await k.getContact('dave')).toMatchObject({ suite: 'modern', legacyPublicKey: legacy.publicKey });
    expect(await k.bundlesForSending(['dave'])).toHaveLength(1);
  });
});
