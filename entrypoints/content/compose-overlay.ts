// Opens the compose overlay (an extension-origin iframe) for one host compose box. The content script
// keeps the box; the frame gets only a MessagePort and gives back only armored parts, which are checked
// to be exactly armor before anything is written into the page. How the frame tells our init from one the
// page forges: the ticket (lib/content/frames.ts).
import { findArmorParts } from '@/lib/armor/detect';
import {
  COMPOSE_FRAME_PATH,
  COMPOSE_INIT,
  COMPOSE_TICKET,
  isComposeToHost,
  type FrameAddresses,
  type ComposeInit,
  type ComposeTicket,
  type HostToCompose,
} from '@/lib/content/frames';
import { writeAndSend } from './host-editor';
import { learnedPartLength } from './host-limits';
import type { ResolvedAdapter } from './sites/adapter';
import { topSameOriginWindow } from './top-document';

const OVERLAY_STYLE = [
  'position:fixed',
  'inset:auto 16px 16px auto',
  'margin:0',
  'padding:0',
  'width:min(380px,calc(100vw - 32px))',
  'height:min(400px,calc(100vh - 32px))',
  'border:1px solid #888',
  'border-radius:8px',
  'box-shadow:0 4px 24px rgba(0,0,0,.3)',
  'background:#fff',
  'z-index:2147483647',
].join(';');

/** True when every string is one whole, intact armor part: nothing else may be written into the page. */
export function isArmorOnly(parts: readonly string[]): boolean {
  return parts.length > 0 && parts.every((p) => {
    const refs = findArmorParts(p);
    return refs.length === 1 && refs[0]!.kind === 'part' && refs[0]!.start === 0 && refs[0]!.end === p.length;
  });
}

/** The longest text the box takes, when it declares one: the browser cuts longer insertions short. */
export function declaredMaxLength(box: HTMLElement): number | undefined {
  const max = box instanceof HTMLTextAreaElement || box instanceof HTMLInputElement ? box.maxLength : -1;
  return max > 0 ? max : undefined;
}

function randomHex(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Hands a ticket to the background (resolves once it arrived, or once giving up). */
export type OfferTicket = (ticket: ComposeTicket) => Promise<void>;

export class ComposeOverlay {
  private frame: HTMLIFrameElement | null = null;
  /** The box the open (or opening) overlay writes into. */
  private box: HTMLElement | null = null;
  private port: MessagePort | null = null;
  /** Bumped by every open and close, so a slow open that was overtaken does nothing. */
  private generation = 0;
  /** Whether the overlay's document loaded, and whether it said it holds its ticket and port. */
  private loaded = false;
  private ready = false;

  constructor(
    private readonly addresses: FrameAddresses,
    private readonly offerTicket: OfferTicket,
    private readonly site: ResolvedAdapter,
  ) {}

  /** Opens the overlay for `box`, or closes it when it is already open (the lock button toggles). */
  toggle(box: HTMLElement): void {
    if (this.isWorking()) {
      this.close();
      return;
    }
    void this.open(box);
  }

  /** Opens the overlay for `box` (the keyboard command and the popup): a working overlay for it stays. */
  show(box: HTMLElement): void {
    if (this.box === box && this.isWorking()) return;
    void this.open(box);
  }

  /**
   * True while the overlay is one a click should close: in the page, shown, and connected. One the page hid,
   * or one that never got its ticket (the background restarted, the page re-inserted it in time), is not:
   * the next click replaces it with a working one.
   */
  private isWorking(): boolean {
    return this.ready && !!this.frame?.isConnected && this.frame.matches(':popover-open');
  }

  close(): void {
    this.generation++;
    this.port?.close();
    this.port = null;
    this.frame?.remove();
    this.frame = null;
    this.box = null;
    this.loaded = false;
    this.ready = false;
  }

  private async open(box: HTMLElement): Promise<void> {
    this.close();
    this.box = box;
    const generation = this.generation;
    const top = topSameOriginWindow();
    // The box's maxlength, the adapter's cap and what this host was seen to carry whole: the smallest wins.
    const learned = await learnedPartLength(top.location.origin).catch(() => undefined);
    if (generation !== this.generation) return;
    const limits = [declaredMaxLength(box), this.site.maxLength, learned].filter((n): n is number => n !== undefined);
    const maxLength = limits.length > 0 ? Math.min(...limits) : undefined;
    const conversation = this.site.conversation(box);
    const ticket: ComposeTicket = {
      type: COMPOSE_TICKET,
      id: randomHex(),
      secret: randomHex(),
      site: top.location.origin,
      ...(maxLength ? { maxLength } : {}),
      ...(conversation ? { conversation } : {}),
    };
    // The ticket must be waiting before the frame asks for it. If it never arrived, the frame opens all the
    // same and tells the user it is not connected (the content script has no UI of its own to say so).
    await this.offerTicket(ticket);
    if (generation !== this.generation) return;
    const host = top.document;
    const frame = host.createElement('iframe');
    frame.dataset.c2c = 'compose-frame';
    frame.src = `${new URL(COMPOSE_FRAME_PATH, this.addresses.load).href}#${ticket.id}`;
    frame.setAttribute('style', OVERLAY_STYLE);
    // In the top layer, shown after the locks: above the page's own overlays and above our locks.
    frame.popover = 'manual';
    frame.setAttribute('allow', 'clipboard-write');
    const channel = new MessageChannel();
    frame.addEventListener('load', () => {
      if (this.frame !== frame) return;
      if (this.loaded) {
        // A second document: the page reloaded, re-inserted or re-pointed the overlay. Its port and ticket
        // went with the first one, so it could never send; it goes, and the next click opens a new one.
        this.close();
        return;
      }
      this.loaded = true;
      // Addressed to the extension origin: if the page pointed the frame elsewhere, nothing is delivered.
      const init: ComposeInit = { c2c: COMPOSE_INIT, secret: ticket.secret };
      frame.contentWindow?.postMessage(init, new URL(this.addresses.live).origin, [channel.port2]);
    });
    // Hidden by the page (hidePopover): an overlay nobody can see is closed, not left to be toggled.
    frame.addEventListener('toggle', (event) => {
      if (this.frame === frame && (event as ToggleEvent).newState === 'closed') this.close();
    });
    const port = channel.port1;
    port.onmessage = (event: MessageEvent) => void this.onFrameMessage(box, port, event.data);
    this.frame = frame;
    this.port = port;
    host.body.append(frame);
    frame.showPopover();
  }

  private async onFrameMessage(box: HTMLElement, port: MessagePort, data: unknown): Promise<void> {
    if (!isComposeToHost(data)) return;
    if (data.type === 'ready') {
      if (port === this.port) this.ready = true;
      return;
    }
    if (data.type === 'close') {
      this.close();
      return;
    }
    const sent = isArmorOnly(data.parts) && (await writeAndSend(box, data.parts, this.site.send));
    const answer: HostToCompose = { type: 'result', outcome: sent ? 'sent' : 'copy' };
    port.postMessage(answer);
    if (sent) this.close();
  }
}
