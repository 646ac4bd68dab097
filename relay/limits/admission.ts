// Which WebSocket upgrades the relay admits: at most `maxPerIp` open connections per remote address and
// `maxTotal` in all, so neither one host nor many can take every socket the process can hold.
import type { RefusalReason } from '../metrics';

export class Admission {
  private readonly perIp = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly maxPerIp: number,
    private readonly maxTotal: number,
  ) {}

  /** Counts a new connection from `ip`, or says why it is refused. Every admitted one must be released once. */
  admit(ip: string): RefusalReason | null {
    if (this.total >= this.maxTotal) return 'relay-full';
    const n = this.perIp.get(ip) ?? 0;
    if (n >= this.maxPerIp) return 'too-many-conns';
    this.perIp.set(ip, n + 1);
    this.total++;
    return null;
  }

  release(ip: string): void {
    const left = (this.perIp.get(ip) ?? 1) - 1;
    if (left > 0) this.perIp.set(ip, left);
    else this.perIp.delete(ip);
    this.total--;
  }
}
