// Prometheus metrics. The hot path bumps plain numbers; prom-client reads them only when scraped,
// so forwarding a frame costs no label lookups.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export type RefusalReason =
  | 'malformed' | 'auth-failed' | 'revoked' | 'idle' | 'rate-limited' | 'slow-reader' | 'too-big'
  | 'too-many-conns' | 'bad-subprotocol' | 'dead-peer';

export class RelayStats {
  connections = 0;
  framesIn = 0;
  framesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  readonly refusals = new Map<RefusalReason, number>();

  refuse(reason: RefusalReason): void {
    this.refusals.set(reason, (this.refusals.get(reason) ?? 0) + 1);
  }
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
  return registry;
}
