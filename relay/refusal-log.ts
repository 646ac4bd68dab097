// Refusals go to the log as one line per reason and second, with a count: a flood of offenders must not
// become a flood of log lines (a full disk, or a stalled log reader blocking the relay's stdout).
import { log } from './log';
import type { RefusalReason } from './metrics';

export class RefusalLog {
  private readonly pending = new Map<RefusalReason, { code: number; count: number }>();

  note(reason: RefusalReason, code: number): void {
    const seen = this.pending.get(reason);
    if (seen) seen.count++;
    else this.pending.set(reason, { code, count: 1 });
  }

  /** Writes what was noted since the last flush. */
  flush(): void {
    for (const [reason, { code, count }] of this.pending) log('info', 'refused', { reason, code, count });
    this.pending.clear();
  }
}
