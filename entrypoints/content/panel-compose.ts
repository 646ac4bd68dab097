// Writing from the side panel: the background first asks which compose box to use (the focused one, else the
// page's only visible one, as the compose-here command chooses, else its only one), seals for that box's length and
// the conversation the site adapter names there (with the tab's site, which the background takes from the tab),
// then hands the armored parts back, which are written and sent through the host exactly as the overlay's are.
import { declaredMaxLength, isArmorOnly } from './compose-overlay';
import { openRequested } from './compose-request';
import { writeAndSend } from './host-editor';
import { learnedPartLength } from './host-limits';
import type { PanelBoxAnswer } from '@/lib/protocol/api/panel-messages';
import type { ResolvedAdapter } from './sites/adapter';
import { topSameOriginWindow } from './top-document';

/** How long a chosen box waits for its parts (sealing takes milliseconds). */
const CHOSEN_FOR_MS = 30_000;

const onlyOne = <T>(items: T[]): T | undefined => (items.length === 1 ? items[0] : undefined);

export class PanelCompose {
  private chosen: { box: HTMLElement; until: number; conversation: string | undefined } | null = null;

  constructor(
    private readonly visibleBoxes: () => HTMLElement[],
    private readonly site: ResolvedAdapter,
  ) {}

  /**
   * Undefined, at once, when this frame has nothing to say (another frame holds the focus or the box): every
   * frame gets the request and the first answer wins, so a frame with nothing to say must not answer at all.
   */
  choose(): Promise<PanelBoxAnswer> | undefined {
    let box: HTMLElement | undefined;
    const outcome = openRequested(this.visibleBoxes, (b) => (box = b));
    if (outcome === undefined) return undefined;
    // The panel is read beside the page, whose box may be scrolled away: the page's only box will do too.
    if (!box && outcome === 'no-box') box = onlyOne(this.site.findBoxes(document.documentElement));
    if (!box) return Promise.resolve({ outcome: outcome === 'several' ? 'several' : 'no-box' });
    const conversation = this.site.conversation(box);
    this.chosen = { box, until: performance.now() + CHOSEN_FOR_MS, conversation };
    return this.found(box, conversation);
  }

  private async found(box: HTMLElement, conversation: string | undefined): Promise<PanelBoxAnswer> {
    const learned = await learnedPartLength(topSameOriginWindow().location.origin).catch(() => undefined);
    const limits = [declaredMaxLength(box), this.site.maxLength, learned].filter((n): n is number => n !== undefined);
    return { outcome: 'found', ...(limits.length > 0 ? { maxLength: Math.min(...limits) } : {}), ...(conversation ? { conversation } : {}) };
  }

  /**
   * Undefined, at once, when this frame chose no box (another frame did). Only whole armor parts are ever
   * written, and only while the box is still in the conversation they were sealed for (the page may have
   * switched channel meanwhile: they would read as wrong-channel there, so they are not sent).
   */
  write(parts: readonly string[]): Promise<{ sent: boolean }> | undefined {
    const chosen = this.chosen;
    this.chosen = null;
    if (!chosen || performance.now() > chosen.until || !chosen.box.isConnected) return undefined;
    if (this.site.conversation(chosen.box) !== chosen.conversation || !isArmorOnly(parts)) return Promise.resolve({ sent: false });
    return writeAndSend(chosen.box, parts, this.site.send).then((sent) => ({ sent }));
  }
}
