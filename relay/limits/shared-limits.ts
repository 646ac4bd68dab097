// Rate limits that span connections (docs/PROTOCOL.md "Limits"): registrations per network prefix and in
// all, mailbox frames per (sender, recipient) and per recipient. Each check takes the narrower bucket
// first, so one flooding source empties only its own bucket and leaves the shared one to everyone else.
import type { RelayOptions } from '../config';
import { ipPrefix } from './ip-prefix';
import { KeyedBuckets } from './token-buckets';

export type RegistrationLimit = 'register-prefix' | 'register-global';
export type MailboxLimit = 'sender-rate' | 'recipient-rate';

export class SharedLimits {
  private readonly registerPerPrefix: KeyedBuckets;
  private readonly registerGlobal: KeyedBuckets;
  private readonly perPair: KeyedBuckets;
  private readonly perRecipient: KeyedBuckets;

  constructor(options: Pick<RelayOptions, 'registerRate' | 'registerRateGlobal' | 'mailboxRate' | 'recipientRate'>) {
    // Registrations are counted per minute with a burst of one minute's worth; mailbox frames per second
    // with a burst of five seconds' worth (a script sending a batch, an inbox catching up).
    this.registerPerPrefix = new KeyedBuckets(options.registerRate / 60, options.registerRate);
    this.registerGlobal = new KeyedBuckets(options.registerRateGlobal / 60, options.registerRateGlobal);
    this.perPair = new KeyedBuckets(options.mailboxRate, options.mailboxRate * 5);
    this.perRecipient = new KeyedBuckets(options.recipientRate, options.recipientRate * 5);
  }

  registration(ip: string, now: number): RegistrationLimit | null {
    if (!this.registerPerPrefix.take(ipPrefix(ip), now)) return 'register-prefix';
    if (!this.registerGlobal.take('', now)) return 'register-global';
    return null;
  }

  /** `sender` and `recipient` are identity keys (base64url). */
  mailbox(sender: string, recipient: string, now: number): MailboxLimit | null {
    if (!this.perPair.take(`${sender} ${recipient}`, now)) return 'sender-rate';
    if (!this.perRecipient.take(recipient, now)) return 'recipient-rate';
    return null;
  }

  sweep(now: number): void {
    this.registerPerPrefix.sweep(now);
    this.registerGlobal.sweep(now);
    this.perPair.sweep(now);
    this.perRecipient.sweep(now);
  }
}
