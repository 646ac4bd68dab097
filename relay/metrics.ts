// Prometheus metrics. The hot path bumps plain numbers; prom-client reads them only when scraped,
// so forwarding a frame costs no label lookups.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { MailboxLimit, RegistrationLimit } from './limits/shared-limits';

export type RefusalReason =
  | 'malformed' | 'auth-failed' | 'revoked' | 'idle' | 'rate-limited' | 'too-big' | 'too-many-conns'
  | 'relay-full' | 'bad-subprotocol' | 'dead-peer' | 'auth-timeout' | 'lookup-limit';

/** Why a frame was not delivered although its connection stays open. */
export type DropReason = 'slow-reader' | MailboxLimit;

export class RelayStats {
  connections = 0;
  authenticated = 0;
  framesIn = 0;
  framesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  readonly refusals = new Map<RefusalReason, number>();
  readonly drops = new Map<DropReason, number>();
  readonly limitedRegistrations = new Map<RegistrationLimit, number>();

  refuse(reason: RefusalReason): void {
    bump(this.refusals, reason);
  }

  drop(reason: DropReason): void {
    bump(this.drops, reason);
  }

  limitRegistration(scope: RegistrationLimit): void {
    bump(this.limitedRegistrations, scope);
  }
}

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** `broker.dropped`: malformed messages from other nodes (cluster mode), dropped. */
export function createMetrics(stats: RelayStats, broker: { readonly dropped: number }): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'c2c_relay_process_' });
  new Gauge({
    name: 'c2c_relay_connections',
    help: 'Open WebSocket connections',
    registers: [registry],
    collect() {
      this.set(stats.connections);
    },
  });
  new Gauge({
    name: 'c2c_relay_authenticated_connections',
    help: 'Open WebSocket connections that have authenticated',
    registers: [registry],
    collect() {
      this.set(stats.authenticated);
    },
  });
  const total = (name: string, help: string, read: () => [Record<string, string>, number][], labelNames: string[]) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const [labels, value] of read()) this.inc(labels, value);
      },
    });
  total('c2c_relay_frames_total', 'Frames received (in) and delivered (out)', () => [
    [{ direction: 'in' }, stats.framesIn],
    [{ direction: 'out' }, stats.framesOut],
  ], ['direction']);
  total('c2c_relay_bytes_total', 'Frame bytes received (in) and delivered (out)', () => [
    [{ direction: 'in' }, stats.bytesIn],
    [{ direction: 'out' }, stats.bytesOut],
  ], ['direction']);
  total('c2c_relay_broker_dropped_total', 'Malformed messages from other relay nodes, dropped', () => [[{}, broker.dropped]], []);
  total('c2c_relay_refusals_total', 'Connections closed or refused, by reason', () =>
    [...stats.refusals].map(([reason, n]) => [{ reason }, n]), ['reason']);
  total('c2c_relay_dropped_frames_total', 'Frames not delivered, connection kept: slow reader or mailbox rate limit', () =>
    [...stats.drops].map(([reason, n]) => [{ reason }, n]), ['reason']);
  total('c2c_relay_registrations_limited_total', 'Registrations refused by the per-prefix or global rate limit', () =>
    [...stats.limitedRegistrations].map(([limit, n]) => [{ limit }, n]), ['limit']);
  return registry;
}
