// Key-log gossip in the secure chat's handshake, between two extension backgrounds in Node (the real
// wiring, keyrings on fake-indexeddb) and a real relay process: an honest relay that keeps appending
// raises nothing while each side joins the other's checkpoint to its own; a relay that forks its log is
// caught by the chat alone, with no lookup of the log by either side.
import { afterEach, describe, expect, it } from 'vitest';
import { parseCheckpoint } from '@/lib/keylog/checkpoint';
import { keptLogState } from '@/lib/keyring/log-states';
import { cleanup, registerElsewhere, type RunningRelay, startRelay, until } from './harness';
import { makePerson, openChat, pinEachOther, type Person } from './chat-harness';

const FAULTS = { env: { C2C_RELAY_TEST_FAULTS: '1' } };
const people: Person[] = [];

afterEach(async () => {
  for (const p of people.splice(0)) p.bg.connection.stop();
  await cleanup();
});

async function person(handle: string, relay: RunningRelay): Promise<Person> {
  const p = await makePerson(handle, relay.url);
  people.push(p);
  return p;
}

async function keptSize(p: Person, relay: RunningRelay): Promise<number> {
  const state = await keptLogState(p.db, relay.url);
  return state ? parseCheckpoint(state.checkpoint.slice(0, state.checkpoint.lastIndexOf('\n\n') + 1)).size : 0;
}

const alarms = async (p: Person) => (await p.call('getLogAlarms')).alarms;

describe('key-log gossip in the chat handshake', { timeout: 90_000 }, () => {
  it('an honest relay appending all along: each side checks the other’s checkpoint, and no alarm is raised', async () => {
    // Registrations as fast as they go, as from many people: the relay's registration limits would refuse them.
    const relay = await startRelay(['--register-rate', '0', '--register-rate-global', '0']);
    const alice = await person('alice', relay);
    await registerElsewhere(relay.url, 'early');
    const bob = await person('bob', relay);
    // Pinned from their bundles, not looked up: only the handshake can move alice's view of the log.
    await pinEachOther(alice, bob);
    const aliceBefore = await keptSize(alice, relay);
    expect(await keptSize(bob, relay)).toBeGreaterThan(aliceBefore);
    let appending = true;
    const appends = (async () => {
      for (let i = 0; appending; i++) await registerElsewhere(relay.url, `busy-${i}`);
    })();
    const { pageA, pageB } = await openChat(alice, bob);
    // Bob's larger checkpoint reached alice in his handshake; the relay proved it extends hers, and she
    // kept the newer one.
    await until(async () => (await keptSize(alice, relay)) > aliceBefore, 15_000);
    pageA.send({ t: 'send', text: 'still here' });
    await until(() => pageB.texts('in').includes('still here'), 10_000);
    appending = false;
    await appends;
    expect(await alarms(alice)).toEqual([]);
    expect(await alarms(bob)).toEqual([]);
  });

  it('fork: a relay showing each of them its own log is caught through the chat handshake', async () => {
    const relay = await startRelay(['--test-fault', 'fork'], undefined, FAULTS);
    const alice = await person('alice', relay); // the first reader: the log as it is
    const bob = await person('bob', relay); // a view with an extra entry of its own
    await pinEachOther(alice, bob);
    expect([...(await alarms(alice)), ...(await alarms(bob))]).toEqual([]);
    await openChat(alice, bob);
    await until(async () => (await alarms(alice)).length + (await alarms(bob)).length > 0, 20_000);
    const raised = [...(await alarms(alice)), ...(await alarms(bob))];
    expect(raised.map((a) => a.reason)).toContain('fork');
    expect(raised.find((a) => a.reason === 'fork')!.message).toMatch(/contact was shown|trees? of size/);
  });
});
