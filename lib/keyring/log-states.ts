// The background's memory of each relay's key log (docs/KEYRING.md "Key log"): the pinned log key and the
// last checkpoint it verified, replaced only by one proven to extend it, and the alarms raised against the
// relay with their evidence. Keyed by the relay's origin (a list's first URL: relay-urls.ts), so one relay's log never stands for another's.
import type { LogState } from '../keylog/verify';
import { relayListOrigin } from '../relay-client/relay-urls';
import type { KeyringDB, LogAlarm, LogStateRow } from './db';

/** Alarms kept per relay: the oldest are dropped beyond this (the first ones stay as the evidence). */
export const MAX_LOG_ALARMS = 20;

export async function keptLogState(db: KeyringDB, relayUrl: string): Promise<LogState | null> {
  const row = await db.logStates.get(relayListOrigin(relayUrl));
  return row?.state ?? null;
}

/** Keeps a state verifyHead returned (it extends the kept one); the relay's alarms stay. */
export async function keepLogState(db: KeyringDB, relayUrl: string, state: LogState): Promise<void> {
  const relay = relayListOrigin(relayUrl);
  await db.transaction('rw', db.logStates, async () => {
    const row = await db.logStates.get(relay);
    await db.logStates.put({ relay, state, alarms: row?.alarms ?? [] });
  });
}

/** Records an alarm against a relay; the same alarm seen again (same reason and evidence) is kept once. */
export async function raiseLogAlarm(db: KeyringDB, relayUrl: string, alarm: LogAlarm): Promise<void> {
  const relay = relayListOrigin(relayUrl);
  await db.transaction('rw', db.logStates, async () => {
    const row: LogStateRow = (await db.logStates.get(relay)) ?? { relay, alarms: [] };
    const same = (a: LogAlarm) => a.reason === alarm.reason && a.message === alarm.message && a.kept === alarm.kept && a.served === alarm.served;
    if (row.alarms.some(same)) return;
    const alarms = [...row.alarms, alarm];
    // Past the bound, the newest are dropped: the first alarm of an attack is the one worth keeping.
    await db.logStates.put({ ...row, alarms: alarms.slice(0, MAX_LOG_ALARMS) });
  });
}

/** Every relay's alarms, oldest first. */
export async function listLogAlarms(db: KeyringDB): Promise<{ relay: string; alarm: LogAlarm }[]> {
  const rows = await db.logStates.toArray();
  return rows.flatMap((row) => row.alarms.map((alarm) => ({ relay: row.relay, alarm }))).sort((a, b) => a.alarm.at - b.alarm.at);
}
