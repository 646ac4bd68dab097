// The background's memory of each relay's key log (docs/KEYRING.md "Key log"): the pinned log key and the
// last checkpoint it verified, replaced only by one proven to extend it, and the alarms raised against the
// relay with their evidence. Keyed by the relay's origin (a list's first URL: relay-urls.ts), so one relay's log never stands for another's.
import { gossipOfState } from '../keylog/gossip';
import type { LogState } from '../keylog/verify';
import { relayListOrigin } from '../relay-client/relay-urls';
import type { KeyringDB, LogAlarm, LogStateRow } from './db';
import { getSetting } from './settings';

/** Alarms kept per relay: the oldest are dropped beyond this (the first ones stay as the evidence). */
export const MAX_LOG_ALARMS = 20;
/** Dismissed alarms remembered per relay (the oldest forgotten first: it may then be raised again). */
export const MAX_DISMISSED_LOG_ALARMS = 50;

/** The same alarm: the same reason and the same evidence (its time aside). */
const sameAlarm = (a: LogAlarm, b: LogAlarm) => a.reason === b.reason && a.message === b.message && a.kept === b.kept && a.served === b.served;

export async function keptLogState(db: KeyringDB, relayUrl: string): Promise<LogState | null> {
  const row = await db.logStates.get(relayListOrigin(relayUrl));
  return row?.state ?? null;
}

/** Our relay's last verified checkpoint as gossip (lib/keylog/gossip.ts), for messages and chat handshakes. */
export async function ownGossip(db: KeyringDB): Promise<Uint8Array | null> {
  const relayUrl = await getSetting(db, 'relayUrl');
  const kept = relayUrl ? await keptLogState(db, relayUrl) : null;
  return kept ? gossipOfState(kept) : null;
}

/** Keeps a state verifyHead returned (it extends the kept one); the relay's alarms stay. */
export async function keepLogState(db: KeyringDB, relayUrl: string, state: LogState): Promise<void> {
  const relay = relayListOrigin(relayUrl);
  await db.transaction('rw', db.logStates, async () => {
    const row = await db.logStates.get(relay);
    await db.logStates.put({ ...row, relay, state, alarms: row?.alarms ?? [] });
  });
}

/**
 * Records an alarm against a relay; the same alarm seen again (same reason and evidence) is kept once,
 * and one the user dismissed is not raised again (other evidence is a new alarm).
 */
export async function raiseLogAlarm(db: KeyringDB, relayUrl: string, alarm: LogAlarm): Promise<void> {
  const relay = relayListOrigin(relayUrl);
  await db.transaction('rw', db.logStates, async () => {
    const row: LogStateRow = (await db.logStates.get(relay)) ?? { relay, alarms: [] };
    const same = (a: LogAlarm) => sameAlarm(a, alarm);
    if (row.alarms.some(same) || (row.dismissed ?? []).some(same)) return;
    const alarms = [...row.alarms, alarm];
    // Past the bound, the newest are dropped: the first alarm of an attack is the one worth keeping.
    await db.logStates.put({ ...row, alarms: alarms.slice(0, MAX_LOG_ALARMS) });
  });
}

/**
 * The user saw the alarm raised against `relay` (an origin, as listLogAlarms names it) at `at` and
 * dismisses it: it moves to the dismissed ones, kept with its evidence. False when there is no such alarm.
 */
export async function dismissLogAlarm(db: KeyringDB, relay: string, at: number, reason: string, now: number): Promise<boolean> {
  return db.transaction('rw', db.logStates, async () => {
    const row = await db.logStates.get(relay);
    const alarm = row?.alarms.find((a) => a.at === at && a.reason === reason);
    if (!row || !alarm) return false;
    const dismissed = [...(row.dismissed ?? []), { ...alarm, dismissedAt: now }].slice(-MAX_DISMISSED_LOG_ALARMS);
    await db.logStates.put({ ...row, alarms: row.alarms.filter((a) => a !== alarm), dismissed });
    return true;
  });
}

/** Every relay's alarms, oldest first. */
export async function listLogAlarms(db: KeyringDB): Promise<{ relay: string; alarm: LogAlarm }[]> {
  const rows = await db.logStates.toArray();
  return rows.flatMap((row) => row.alarms.map((alarm) => ({ relay: row.relay, alarm }))).sort((a, b) => a.alarm.at - b.alarm.at);
}
