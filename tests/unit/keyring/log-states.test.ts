// The background's per-relay key-log memory (lib/keyring/log-states.ts): one state per relay origin,
// alarms kept with their evidence, the same alarm once, the first ones kept when there are too many.
import { IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { KeyringDB } from '../../../lib/keyring/db';
import { MAX_DISMISSED_LOG_ALARMS, MAX_LOG_ALARMS, dismissLogAlarm, keepLogState, keptLogState, listLogAlarms, raiseLogAlarm } from '../../../lib/keyring/log-states';
import { freshFactory } from './helpers';

const db = () => new KeyringDB({ indexedDB: freshFactory(), IDBKeyRange });
const STATE = { key: 'c2c-relay/0123456789abcdef+01234567+AAAA', checkpoint: 'c2c-relay/0123456789abcdef\n1\nAAAA\n\n— sig\n' };

describe('key-log states in the keyring', () => {
  it('keeps one state per relay origin: another path or the default port is the same relay, another host is not', async () => {
    const k = db();
    expect(await keptLogState(k, 'wss://relay.example')).toBeNull();
    await keepLogState(k, 'wss://relay.example:443/', STATE);
    expect(await keptLogState(k, 'wss://RELAY.example/some/path')).toEqual(STATE);
    expect(await keptLogState(k, 'wss://other.example')).toBeNull();
    expect(await keptLogState(k, 'ws://relay.example')).toBeNull();
  });

  it("a relay setting listing a cluster's nodes is one relay, named by its first URL", async () => {
    const k = db();
    await keepLogState(k, 'wss://node1.example, wss://node2.example', STATE);
    expect(await keptLogState(k, 'wss://node1.example')).toEqual(STATE);
    expect(await keptLogState(k, 'wss://node1.example wss://node3.example')).toEqual(STATE);
    expect(await keptLogState(k, 'wss://node2.example')).toBeNull();
    await raiseLogAlarm(k, 'wss://node1.example,wss://node2.example', { reason: 'fork', message: 'x', at: 1 });
    expect((await listLogAlarms(k)).map((a) => a.relay)).toEqual(['wss://node1.example']);
  });

  it('keeps alarms with their evidence, each once, beside the state; a new state keeps them', async () => {
    const k = db();
    const alarm = { reason: 'fork', message: 'another tree', at: 5, kept: 'A', served: 'B' };
    await raiseLogAlarm(k, 'wss://relay.example', alarm);
    await raiseLogAlarm(k, 'wss://relay.example', { ...alarm, at: 6 });
    await keepLogState(k, 'wss://relay.example', STATE);
    await raiseLogAlarm(k, 'wss://other.example', { reason: 'unlogged-key', message: 'x', at: 1 });
    expect(await listLogAlarms(k)).toEqual([
      { relay: 'wss://other.example', alarm: { reason: 'unlogged-key', message: 'x', at: 1 } },
      { relay: 'wss://relay.example', alarm },
    ]);
    expect(await keptLogState(k, 'wss://relay.example')).toEqual(STATE);
  });

  it('keeps the first alarms when a relay raises more than the bound', async () => {
    const k = db();
    for (let i = 0; i < MAX_LOG_ALARMS + 5; i++) await raiseLogAlarm(k, 'wss://relay.example', { reason: 'fork', message: `view ${i}`, at: i });
    const alarms = await listLogAlarms(k);
    expect(alarms).toHaveLength(MAX_LOG_ALARMS);
    expect(alarms[0]!.alarm.message).toBe('view 0');
  });

  it('remembers a bounded number of dismissed alarms: the oldest dismissed is forgotten and may alarm again', async () => {
    const k = db();
    const relay = 'wss://relay.example';
    const alarm = (i: number) => ({ reason: 'fork', message: `view ${i}`, at: i, kept: 'A', served: `B${i}` });
    for (let i = 0; i <= MAX_DISMISSED_LOG_ALARMS; i++) {
      await raiseLogAlarm(k, relay, alarm(i));
      expect(await dismissLogAlarm(k, relay, i, 'fork', 1000 + i)).toBe(true);
    }
    expect(await listLogAlarms(k)).toEqual([]);
    expect((await k.logStates.get(relay))!.dismissed).toHaveLength(MAX_DISMISSED_LOG_ALARMS);
    // The newest dismissed evidence stays quiet; the first, forgotten, is an alarm again.
    await raiseLogAlarm(k, relay, { ...alarm(MAX_DISMISSED_LOG_ALARMS), at: 5000 });
    await raiseLogAlarm(k, relay, { ...alarm(0), at: 5001 });
    expect((await listLogAlarms(k)).map((a) => a.alarm.message)).toEqual(['view 0']);
    // Dismissing what is not there: nothing changes.
    expect(await dismissLogAlarm(k, relay, 12345, 'fork', 6000)).toBe(false);
    expect(await dismissLogAlarm(k, 'wss://other.example', 5001, 'fork', 6000)).toBe(false);
  });
});
