// What the background seals and how it reports who sent a message (seal-for-contacts.ts, open-sealed.ts),
// through routeMessage as the popup reaches them: real keyrings (fake-indexeddb), real crypto.
import { describe, expect, it } from 'vitest';
import { dearmor } from '@/lib/armor/armor';
import { fingerprint, keyIdBytes, keyIdText } from '@/lib/crypto/identity';
import { decodePublicBundle } from '@/lib/crypto/public-bundle';
import { newSelfPqSecret } from '@/lib/crypto/contact-pq';
import { storeContactSecret } from '@/lib/keyring/contact-secrets';
import { pinRouted as pin, routedPerson } from './routed-person';

async function person(handle: string) {
  const who = await routedPerson(handle);
  return { ...who, key: (await decodePublicBundle(who.bundle)).identityKey };
}

type Person = Awaited<ReturnType<typeof person>>;
const send = async (from: Person, to: string[], plaintext: string): Promise<string> => {
  const r = await from.call({ type: 'encrypt', recipients: to, plaintext });
  expect(r).toMatchObject({ ok: true });
  return (r.parts as string[]).join('\n');
};
const read = async (who: Person, text: string, context?: string) =>
  (await who.call({ type: 'decrypt', text, ...(context === undefined ? {} : { context }) })).result;

describe('background: sealing v2 and reporting the sender', () => {
  it('seals v2 with the sender as a key id: a short message to one contact is one small part', async () => {
    const [alice, bob] = await Promise.all([person('alice'), person('bob')]);
    await pin(alice, 'bob', bob);
    const token = await send(alice, ['bob'], 'see you at nine, ok?');
    const payload = dearmor(token);
    expect(payload[0]).toBe(0x04);
    expect(payload.length).toBe(188);
    expect(token.split('\n')).toHaveLength(1);
  });

  it('pinned for a sender pinned on first use, verified once compared and for oneself, unverified for an unknown sender', async () => {
    const [alice, bob, carol] = await Promise.all([person('alice'), person('bob'), person('carol')]);
    await Promise.all([pin(alice, 'bob', bob), pin(bob, 'alice', alice), pin(carol, 'bob', bob)]);
    const fromAlice = await send(alice, ['bob'], 'Привет, Bob');
    // Bob pinned Alice's key but never compared safety numbers: the weaker word.
    expect(await read(bob, fromAlice)).toEqual({ status: 'pinned', plaintext: 'Привет, Bob', senderFingerprint: await fingerprint(alice.key), senderHandle: 'alice', postQuantum: false });
    // One's own key needs no comparing.
    expect(await read(alice, fromAlice)).toEqual({ status: 'verified', plaintext: 'Привет, Bob', senderFingerprint: await fingerprint(alice.key), senderHandle: 'alice', postQuantum: false });
    // After Bob marks Alice verified (contact-mark-verified), her next message says so.
    expect(await bob.call({ type: 'markVerified', handle: 'alice' })).toMatchObject({ ok: true });
    expect(await read(bob, await send(alice, ['bob'], 'again'))).toMatchObject({ status: 'verified', senderHandle: 'alice' });

    // Bob never pinned Carol: the text opens, but nothing says who sent it.
    const fromCarol = await send(carol, ['bob'], 'I am Alice, trust me');
    const unknown = await read(bob, fromCarol);
    expect(unknown).toEqual({ status: 'unverified', plaintext: 'I am Alice, trust me', senderFingerprint: keyIdText(await keyIdBytes(carol.key)), postQuantum: false });
    expect(unknown.senderFingerprint).not.toBe(await fingerprint(carol.key));
    expect((await fingerprint(carol.key)).startsWith(unknown.senderFingerprint.slice(0, 19))).toBe(true);

    // Once pinned, Carol's next message is pinned (not verified: nobody compared).
    await pin(bob, 'carol', carol);
    expect(await read(bob, await send(carol, ['bob'], 'hello again'))).toMatchObject({ status: 'pinned', senderHandle: 'carol' });
  });

  it('after a version-2 chat left both a secret, messages between them are post-quantum; to others classical only', async () => {
    const [alice, bob, carol] = await Promise.all([person('alice'), person('bob'), person('carol')]);
    await Promise.all([pin(alice, 'bob', bob), pin(bob, 'alice', alice), pin(alice, 'carol', carol), pin(carol, 'alice', alice)]);
    // What ChatService stores when a version-2 session opens (the chat itself: tests/unit/chat/hybrid-handshake.test.ts).
    const secret = newSelfPqSecret();
    await storeContactSecret(alice.db, 'bob', bob.key, secret);
    await storeContactSecret(bob.db, 'alice', alice.key, secret);
    const listed = (await alice.call({ type: 'listContacts' })).contacts as { handle: string; postQuantum: boolean }[];
    expect(listed.map((c) => [c.handle, c.postQuantum])).toEqual([['bob', true], ['carol', false]]);

    const toBob = await send(alice, ['bob'], 'quantum-safe');
    expect(dearmor(toBob).length).toBe(dearmor(await send(alice, ['carol'], 'quantum-safe')).length);
    expect(await read(bob, toBob)).toMatchObject({ status: 'pinned', plaintext: 'quantum-safe', postQuantum: true });
    expect(await read(alice, toBob)).toMatchObject({ status: 'verified', postQuantum: true });
    expect(await read(alice, await send(bob, ['alice'], 'back'))).toMatchObject({ plaintext: 'back', postQuantum: true });
    expect(await read(carol, await send(alice, ['carol'], 'classical'))).toMatchObject({ plaintext: 'classical', postQuantum: false });
    // To both: Carol's classical wrap caps the whole message at classical, for Bob too.
    const both = await send(alice, ['bob', 'carol'], 'both');
    expect(await read(bob, both)).toMatchObject({ plaintext: 'both', postQuantum: false });
    expect(await read(carol, both)).toMatchObject({ plaintext: 'both', postQuantum: false });
  });

  it('a message elsewhere than where it was first seen is replayed; one not for me is not-addressed', async () => {
    const [alice, bob, eve] = await Promise.all([person('alice'), person('bob'), person('eve')]);
    await Promise.all([pin(alice, 'bob', bob), pin(bob, 'alice', alice)]);
    const token = await send(alice, ['bob'], 'once');
    expect(await read(bob, token, 'https://chat.example')).toMatchObject({ status: 'pinned' });
    expect(await read(bob, token, 'https://chat.example')).toMatchObject({ status: 'pinned' });
    expect(await read(bob, token, 'https://other.example')).toMatchObject({ status: 'error', reason: { code: 'replayed' } });
    expect(await read(eve, token)).toMatchObject({ status: 'error', reason: { code: 'not-addressed' } });
  });
});

describe('background: messages bound to where they were sent', () => {
  const sendTo = async (from: Person, to: string[], plaintext: string, channel: { site: string; conversation?: string }): Promise<string> => {
    const r = await from.call({ type: 'encrypt', recipients: to, plaintext, channel });
    expect(r).toMatchObject({ ok: true });
    return (r.parts as string[]).join('\n');
  };
  const readIn = async (who: Person, text: string, context: string, conversation?: string) =>
    (await who.call({ type: 'decrypt', text, context, ...(conversation ? { conversation } : {}) })).result;

  it('a compose-frame message opens on its site and conversation, and is wrong-channel on another, without being recorded', async () => {
    const [alice, bob] = await Promise.all([person('alice'), person('bob')]);
    await Promise.all([pin(alice, 'bob', bob), pin(bob, 'alice', alice)]);
    const token = await sendTo(alice, ['bob'], 'for room 1', { site: 'https://chat.example', conversation: 'room-1' });
    const wrong = { status: 'error', reason: { code: 'wrong-channel' } };
    expect(await readIn(bob, token, 'page:https://other.example')).toMatchObject(wrong);
    expect(await readIn(bob, token, 'page:https://chat.example', 'room-2')).toMatchObject(wrong);
    // Refused copies were not recorded: the genuine place still opens it as new.
    expect(await readIn(bob, token, 'page:https://chat.example', 'room-1')).toMatchObject({ status: 'pinned', plaintext: 'for room 1' });
    // A frame whose content script names no conversation matches any conversation of the site.
    expect(await readIn(bob, token, 'page:https://chat.example')).toMatchObject({ status: 'pinned', plaintext: 'for room 1' });
  });


  it('a message from a contact\'s changed key stays unverified and says whose change it is, unproven without the log', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    const newBob = await person('bob');
    await pin(alice, 'bob', bob);
    await pin(newBob, 'alice', alice);
    // alice sees another key for bob outside the relay's log: a pending change without proof.
    expect(await alice.call({ type: 'pinContact', handle: 'bob', bundle: newBob.bundle })).toMatchObject({ ok: true, result: 'key-changed' });
    const result = await read(alice, await send(newBob, ['alice'], 'from the new key'));
    expect(result).toMatchObject({
      status: 'unverified',
      plaintext: 'from the new key',
      senderFingerprint: await fingerprint(newBob.key), // its signature was checked against the pending key
      keyChange: { handle: 'bob', proof: 'unproven' },
    });
    expect(result.senderHandle).toBeUndefined();
    // bob's pinned key still reads as pinned, with nothing about a change.
    await pin(bob, 'alice', alice);
    const fromOld = await read(alice, await send(bob, ['alice'], 'from the pinned key'));
    expect(fromOld).toMatchObject({ status: 'pinned', senderHandle: 'bob' });
    expect(fromOld.keyChange).toBeUndefined();
  });
});
