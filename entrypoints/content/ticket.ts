// Leaves a compose frame's ticket with the background (lib/content/frames.ts). The background may be
// asleep or restarting: "Receiving end does not exist" means the message never arrived, so resend a few times.
import { browser } from 'wxt/browser';
import type { ComposeTicket } from '@/lib/content/frames';
import { withinTime } from '@/lib/time-limit';

const RETRY_DELAYS_MS = [100, 300, 900];
const ANSWER_WAIT_MS = 3000;

export async function offerTicket(ticket: ComposeTicket): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      // A lost answer must not leave the lock button doing nothing: the frame opens and says what is wrong.
      await withinTime(browser.runtime.sendMessage(ticket), ANSWER_WAIT_MS, () => undefined);
      return;
    } catch {
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
