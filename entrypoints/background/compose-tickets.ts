// One-time tickets that let a compose frame recognise its own content script (lib/content/frames.ts).
// Memory only: a ticket lives TICKET_TTL_MS and is taken once; a worker restart simply forgets them all
// (the user clicks the lock again).
import { C2CError } from '@/lib/errors';
import { TICKET_TTL_MS, type ComposeTicket } from '@/lib/content/frames';

/** Tickets waiting at once; the oldest go first (one per open compose frame is the normal case). */
const MAX_WAITING = 16;

export class ComposeTickets {
  private readonly waiting = new Map<string, { ticket: ComposeTicket; expires: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  offer(ticket: ComposeTicket): void {
    this.dropExpired();
    this.waiting.delete(ticket.id);
    this.waiting.set(ticket.id, { ticket, expires: this.now() + TICKET_TTL_MS });
    if (this.waiting.size > MAX_WAITING) this.waiting.delete(this.waiting.keys().next().value!);
  }

  /** The ticket, removed so that nobody can take it again; not-found when unknown, expired or taken. */
  claim(id: string): ComposeTicket {
    this.dropExpired();
    const entry = this.waiting.get(id);
    this.waiting.delete(id);
    if (!entry) throw new C2CError('not-found', 'This compose box is no longer connected to the page.');
    return entry.ticket;
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [id, entry] of this.waiting) if (entry.expires <= now) this.waiting.delete(id);
  }
}
