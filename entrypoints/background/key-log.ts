// The relay's key log as the background checks it (docs/ARCHITECTURE.md "Key log"): every lookup asks for
// the log's proofs and is verified against the checkpoint kept for that relay (lib/keylog/verify.ts); any
// inconsistency fails the lookup closed and is kept as an alarm with both signed checkpoints, which the
// popup shows (contact-log-alarm). Self-monitoring looks up our own handle, at start and from an alarm,
// and alarms on any entry our key did not make.
import { C2CError, isC2CError } from '@/lib/errors';
import { browser } from 'wxt/browser';
import { equalBytes, toHex } from '@/lib/bytes';
import { GossipError, checkGossip, compareGossip, parseGossip, type Gossip } from '@/lib/keylog/gossip';
import { getSetting } from '@/lib/keyring/settings';
import { foreignEntry } from '@/lib/keylog/history';
import { LogInconsistency, verifyLookup, type VerifiedLookup } from '@/lib/keylog/verify';
import type { KeyringDB } from '@/lib/keyring/db';
import { getIdentity } from '@/lib/keyring/identity-store';
import { keepLogState, keptLogState, raiseLogAlarm } from '@/lib/keyring/log-states';
import { parseCheckpoint } from '@/lib/keylog/checkpoint';
import { RelayError, type RelayClient } from '@/lib/relay-client/client';
import { relayListOrigin } from '@/lib/relay-client/relay-urls';
import { relayTarget } from './mailbox-service';
import { withRelay } from './relay-access';
import type { RelayRoute } from './relay-route';
import type { RegistrationStore } from './service';

const HEARD_MAX = 64;
function remember(set: Set<string>, id: string): void {
  if (set.size >= HEARD_MAX) set.delete(set.values().next().value!);
  set.add(id);
}

export const OWN_LOG_ALARM = 'c2c-own-key-log';
/** How often the extension checks the log for its own handle (also at browser start). */
export const OWN_LOG_CHECK_MINUTES = 60;

function sizeOf(checkpointNote: string): number {
  return parseCheckpoint(checkpointNote.slice(0, checkpointNote.lastIndexOf('\n\n') + 1)).size;
}

const inconsistent = () =>
  new C2CError('log-inconsistent', "The relay's key log is inconsistent: the key was not trusted. Lookups through this relay stay refused; the popup shows the evidence until it is dismissed.");

export class KeyLog {
  /** One check at a time per relay: each starts from the state the one before it kept. */
  private readonly queues = new Map<string, Promise<unknown>>();

  /** Gossip values checked lately or being checked (hex): the same checkpoint in many messages (a page
   *  full of one contact's tokens) is asked about once; only an undecided check is asked again. */
  private readonly heard = new Set<string>();

  constructor(
    private readonly db: KeyringDB,
    private readonly route: RelayRoute,
    private readonly now: () => number = Date.now,
  ) {}

  private serialized<T>(relayUrl: string, work: () => Promise<T>): Promise<T> {
    const relay = relayListOrigin(relayUrl);
    const run = (this.queues.get(relay) ?? Promise.resolve()).then(work, work);
    this.queues.set(relay, run.catch(() => undefined));
    return run;
  }

  /**
   * Looks `handle` up on the client's relay with the log's proofs and verifies them against the kept
   * checkpoint, which is then advanced. An inconsistency is recorded as an alarm and fails the lookup.
   */
  lookup(client: RelayClient, relayUrl: string, handle: string): Promise<{ handle: string; bundle: string; verified: VerifiedLookup }> {
    return this.serialized(relayUrl, async () => {
      const kept = await keptLogState(this.db, relayUrl);
      try {
        const found = await client.lookupLogged(handle, kept ? sizeOf(kept.checkpoint) : 0);
        if (found.handle !== handle) throw new LogInconsistency('unlogged-key', 'the relay answered for another handle');
        const verified = await verifyLookup(handle, found.bundle, found.log, kept);
        await keepLogState(this.db, relayUrl, verified.state);
        return { handle: found.handle, bundle: found.bundle, verified };
      } catch (e) {
        const alarm =
          e instanceof LogInconsistency
            ? { reason: e.reason, message: e.message, ...(e.evidence ?? {}) }
            : e instanceof RelayError && e.code === 'protocol'
              ? { reason: 'missing-proof', message: e.message }
              : null;
        if (!alarm) throw e;
        await raiseLogAlarm(this.db, relayUrl, { ...alarm, at: this.now() });
        throw inconsistent();
      }
    });
  }

  /**
   * A checkpoint a contact gossiped in a message whose signature verified (lib/keylog/gossip.ts). Garbage
   * is ignored; a checkpoint of our relay's log that differs from ours is joined to ours by the relay's
   * proofs, or raises the fork alarm. Answers what was decided (for tests; callers do not wait for it).
   */
  async hearGossip(value: Uint8Array): Promise<'garbage' | 'no-state' | 'other-log' | 'same' | 'heard' | 'consistent' | 'undecided' | 'alarm'> {
    let gossip: Gossip;
    try {
      gossip = parseGossip(value);
    } catch (e) {
      if (e instanceof GossipError) return 'garbage';
      throw e;
    }
    const relayUrl = await getSetting(this.db, 'relayUrl');
    const kept = relayUrl ? await keptLogState(this.db, relayUrl) : null;
    if (!relayUrl || !kept) return 'no-state';
    const seen = compareGossip(kept, gossip);
    if (seen !== 'differs') return seen;
    const id = toHex(value);
    if (this.heard.has(id)) return 'heard';
    remember(this.heard, id);
    return this.serialized(relayUrl, async () => {
      try {
        const state = (await keptLogState(this.db, relayUrl)) ?? kept;
        const check = await withRelay(this.route, relayUrl, undefined, (client) => checkGossip(client, state, gossip));
        await keepLogState(this.db, relayUrl, check.state);
        if (check.verdict === 'undecided') this.heard.delete(id);
        return check.verdict;
      } catch (e) {
        if (!(e instanceof LogInconsistency)) {
          this.heard.delete(id); // the relay could not be reached: the next message asks again
          throw e;
        }
        await raiseLogAlarm(this.db, relayUrl, { reason: e.reason, message: e.message, ...(e.evidence ?? {}), at: this.now() });
        return 'alarm';
      }
    });
  }

  /**
   * Self-monitoring: looks our own handle up where we are registered; an entry our key did not make, or
   * another key served, is an alarm. Returns whether the log is all ours (null: nothing to check).
   */
  async checkOwnHandle(registrations: RegistrationStore): Promise<boolean | null> {
    const identity = await getIdentity(this.db);
    const target = await relayTarget(this.db, registrations);
    if (!identity || !target) return null;
    try {
      const { verified } = await withRelay(this.route, target.url, undefined, (client) => this.lookup(client, target.url, target.handle));
      const foreign = foreignEntry(verified.events, identity.identityKey);
      if (!foreign && equalBytes(verified.current.key, identity.identityKey)) return true;
      const what = foreign ? `a ${foreign.type} entry` : 'its current key';
      await raiseLogAlarm(this.db, target.url, {
        reason: 'foreign-entry',
        message: `the key log gives our handle ${target.handle} ${what} this browser's key did not make`,
        at: this.now(),
      });
      return false;
    } catch (e) {
      if (isC2CError(e, 'log-inconsistent')) return false;
      throw e;
    }
  }
}

/**
 * Self-monitoring from an alarm the browser keeps across restarts, and at each browser start. The
 * listener is registered synchronously so a worker woken by the alarm finds it in place.
 */
export function listenForOwnLogAlarm(check: () => Promise<unknown>): void {
  const run = () => void check().catch(() => undefined); // an unreachable relay: the next round tries again
  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === OWN_LOG_ALARM) run();
  });
  browser.runtime.onStartup.addListener(run);
  void browser.alarms.get(OWN_LOG_ALARM).then((existing) => {
    if (!existing) void browser.alarms.create(OWN_LOG_ALARM, { delayInMinutes: 1, periodInMinutes: OWN_LOG_CHECK_MINUTES });
  });
}
