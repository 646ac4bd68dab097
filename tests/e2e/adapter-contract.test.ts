// Adapter contract tests (issue 11): the content script's site adapters and message-row reader, bundled from
// their real sources, run in Chromium on the saved DOM of every fixture chat (tests/fixtures/snapshots/, made
// by tests/fixtures/snapshot.ts: alice's view of two messages from alice and one from bob, a draft typed).
// Per chat: the compose box found is exactly the expected element, the adapter's send action reaches it (Enter
// on the box, or the page's Send button), each message's text leads to its own row of one list, and each row's
// sender is read right, also once the rows no longer say `data-sender` (grouped rows name it only once).
// A change of a chat's markup that the content script depends on fails one of these small tests.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS } from './harness';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SNAPSHOTS = join(ROOT, 'tests', 'fixtures', 'snapshots');

/** What every chat's snapshot shows (tests/fixtures/snapshot.ts), in order. */
const MESSAGES = [
  { sender: 'alice', text: 'Hello Bob, this is alice' },
  { sender: 'alice', text: 'A second message from alice' },
  { sender: 'bob', text: 'Hi Alice, bob here' },
] as const;
const ROW = 'li[data-testid="host-message"]';
const TEXTAREA = 'textarea[data-testid="host-compose"]';
const SEND_BUTTON = 'button[data-testid="host-send"]';

interface Expected {
  /** The address the chat runs at (it picks the adapter). */
  url: string;
  adapter: 'generic' | 'team-chat (fixture)';
  /** Selector of the one compose box; null: the document has none (it is in a frame). */
  box: string | null;
  /** How the adapter sends: Enter on the box, or a click on this element. */
  send?: 'Enter' | string;
  conversation?: string;
  maxLength?: number;
  /** Whether the document holds the messages. */
  messages: boolean;
  /** Each row's sender named in the row itself once `data-sender` is gone (null: a grouped row). */
  ownSenders?: readonly (string | null)[];
  /** Selector of a message's row (default: the fixture chats' `ROW`). */
  row?: string;
}

const fixture = (path: string) => `http://127.0.0.1:8790${path}?user=alice&room=${path.slice(1)}`;
/** A chat with a textarea, Enter to send and the common `<b class="host-sender">` rows. */
const plain = (path: string): Expected => ({ url: fixture(path), adapter: 'generic', box: TEXTAREA, send: 'Enter', messages: true });
const editor = (path: string, box: string): Expected => ({ ...plain(path), box });

const EXPECTED: Record<string, Expected> = {
  plain: plain('/plain'),
  react: plain('/react'),
  vue: plain('/vue'),
  markdown: plain('/markdown'),
  hostile: plain('/hostile'),
  footer: plain('/footer'),
  sticky: plain('/sticky'),
  team: { ...plain('/team'), adapter: 'team-chat (fixture)', send: SEND_BUTTON, conversation: '#team', maxLength: 600 },
  irc: { ...plain('/irc'), box: 'input[type="text"][data-testid="host-compose"]' },
  nicktime: { ...plain('/nicktime'), ownSenders: ['alice', null, 'bob'] },
  // The outer page holds only the frame; the list and the box are in the frame's own document.
  framed: { url: fixture('/framed'), adapter: 'generic', box: null, messages: false },
  'framed.frame': { ...plain('/framed'), url: 'about:blank' },
  rich: editor('/rich', 'div[data-lexical-editor="true"][contenteditable="true"]'),
  slate: editor('/slate', 'div[data-slate-editor="true"][contenteditable="true"]'),
  draft: editor('/draft', 'div.public-DraftEditor-content[contenteditable="true"]'),
  tiptap: editor('/tiptap', 'div.tiptap.ProseMirror[contenteditable="true"]'),
  quill: editor('/quill', 'div.ql-editor[contenteditable="true"]'),
  // The real client (tests/fixtures/xmpp.ts): Converse.js's own markup. Its form also holds a hidden
  // one-line spoiler hint, which is no compose box. Grouped rows (`chat-msg--followup`) name no sender.
  converse: {
    url: 'http://127.0.0.1:8790/?user=alice',
    adapter: 'generic',
    box: 'converse-muc textarea.chat-textarea',
    send: 'Enter',
    messages: true,
    row: 'converse-chat-message:has(> .chat-msg)',
    ownSenders: ['alice', null, 'bob'],
  },
};

/** The entry bundled for the page: the content script's own adapter and row code, nothing else. */
const ENTRY = `
export { adapterFor } from '@/entrypoints/content/sites';
export { messageTextIn, nextRow, ownSender, rowOf, senderOf } from '@/entrypoints/content/message-rows';
`;

/** `@/…` is the repository root, as in tsconfig and vitest. */
const rootAlias: Plugin = {
  name: 'c2c:root-alias',
  setup(b) {
    b.onResolve({ filter: /^@\// }, (args) => b.resolve(`./${args.path.slice(2)}`, { kind: args.kind, resolveDir: ROOT }));
  },
};

async function bundleContract(): Promise<string> {
  const result = await build({
    stdin: { contents: ENTRY, resolveDir: ROOT, loader: 'ts', sourcefile: 'adapter-contract-entry.ts' },
    bundle: true,
    write: false,
    format: 'iife',
    globalName: '__c2cContract',
    platform: 'browser',
    target: 'es2022',
    plugins: [rootAlias],
    // As in the test build (build-flags.d.ts): the fixture chats' adapters are in.
    define: { __C2C_TEST_BUILD__: 'true' },
    logLevel: 'silent',
  });
  if (result.warnings.length > 0) throw new Error(`adapter bundle: esbuild warned: ${result.warnings.map((w) => w.text).join('; ')}`);
  return result.outputFiles[0]!.text;
}

/** What the adapter code makes of one snapshot (run in the page). */
interface Seen {
  adapter: string;
  /** Each box found: the expected selector when it is that element, else a description. */
  boxes: string[];
  /** Events the adapter's send action caused: `keydown Enter on the box` or `click on SELECTOR`. */
  sent: string[];
  conversation: string | undefined;
  maxLength: number | undefined;
  messagesInMarkup: number;
  rows: {
    /** The row as `ROW` when it matches, else a description; null when the text or its row was not found. */
    row: string | null;
    /** Index of the row among the distinct rows found. */
    distinct: number;
    /** The next row of the list is the next message's row (the last one: there is none). */
    nextIsNextMessage: boolean;
    /** The message text read at the first row's text path in this row (how a split token is followed). */
    textAtPath: string | null;
    sender: string | null;
    senderWithoutAttribute: string | null;
    ownWithoutAttribute: string | null;
  }[];
  /** Rows reached from the first one through nextRow. */
  listLength: number;
}

interface Contract {
  adapterFor(url: URL): {
    name: string;
    findBoxes(root: Element): HTMLElement[];
    send(box: HTMLElement): void;
    conversation(box: HTMLElement): string | undefined;
    maxLength?: number;
  };
  rowOf(text: Text): { row: Element; path: readonly string[] } | null;
  senderOf(row: Element, path: readonly string[]): string | null;
  ownSender(row: Element, path: readonly string[]): string | null;
  nextRow(row: Element): Element | null;
  messageTextIn(row: Element, path: readonly string[]): { text: string } | null;
}

function inspect(page: Page, expected: Expected): Promise<Seen> {
  return page.evaluate(
    (exp, messages, rowSelector) => {
      const c = (window as unknown as { __c2cContract: Contract }).__c2cContract;
      const describeEl = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${[...el.classList].map((n) => `.${n}`).join('')}`;
      const textNode = (data: string): Text | null => {
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) if ((n as Text).data === data) return n as Text;
        return null;
      };
      const adapter = c.adapterFor(new URL(exp.url));
      const expectedBox = exp.box ? document.querySelector(exp.box) : null;
      const found = adapter.findBoxes(document.documentElement);
      const boxes = found.map((el) => (el === expectedBox ? exp.box! : describeEl(el)));

      const sent: string[] = [];
      const box = found[0];
      if (box) {
        box.addEventListener('keydown', (e) => sent.push(`keydown ${e.key} on the box`));
        document.addEventListener('click', (e) => {
          const target = e.target as Element;
          sent.push(`click on ${exp.send && exp.send !== 'Enter' && target.matches(exp.send) ? exp.send : describeEl(target)}`);
        }, true);
        adapter.send(box);
      }

      const nodes = messages.map((m) => textNode(m.text));
      const found2 = nodes.map((n) => (n ? c.rowOf(n) : null));
      const distinct = [...new Set(found2.flatMap((r) => (r ? [r.row] : [])))];
      const first = found2[0];
      const read = () => found2.map((r) => (r ? { sender: c.senderOf(r.row, r.path), own: c.ownSender(r.row, r.path) } : null));
      const withAttribute = read();
      // A host that does not put the sender on each row: names come from the rows' own markup, or the group's.
      for (const el of document.querySelectorAll('[data-sender],[data-author]')) {
        el.removeAttribute('data-sender');
        el.removeAttribute('data-author');
      }
      const withoutAttribute = read();
      let listLength = 0;
      for (let row = first?.row ?? null; row && listLength < 100; row = c.nextRow(row)) listLength++;
      return {
        adapter: adapter.name,
        boxes,
        sent,
        conversation: box && exp.conversation !== undefined ? adapter.conversation(box) : undefined,
        maxLength: adapter.maxLength,
        messagesInMarkup: document.querySelectorAll(rowSelector).length,
        rows: found2.map((r, i) => ({
          row: r ? (r.row.matches(rowSelector) && r.row.contains(nodes[i]!) ? rowSelector : describeEl(r.row)) : null,
          distinct: r ? distinct.indexOf(r.row) : -1,
          nextIsNextMessage: r ? c.nextRow(r.row) === (found2[i + 1]?.row ?? null) : false,
          textAtPath: r && first ? (c.messageTextIn(r.row, first.path)?.text ?? null) : null,
          sender: withAttribute[i]?.sender ?? null,
          senderWithoutAttribute: withoutAttribute[i]?.sender ?? null,
          ownWithoutAttribute: withoutAttribute[i]?.own ?? null,
        })),
        listLength,
      };
    },
    expected,
    MESSAGES,
    expected.row ?? ROW,
  );
}

let browser: Browser;
let profile: string;
let contract: string;

beforeAll(async () => {
  contract = await bundleContract();
  profile = mkdtempSync(join(tmpdir(), 'c2c-contract-'));
  browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, pipe: true, userDataDir: profile, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const snapshots = readdirSync(SNAPSHOTS).filter((f) => f.endsWith('.html')).map((f) => f.slice(0, -'.html'.length)).sort();

it('every snapshot has expectations here, and every expectation a snapshot', () => {
  expect(snapshots).toEqual(Object.keys(EXPECTED).sort());
});

describe.each(snapshots)('adapter contract: %s', (name) => {
  const expected = EXPECTED[name];
  let seen: Seen;

  beforeAll(async () => {
    if (!expected) return;
    const page = await browser.newPage();
    try {
      // Scripts were stripped when the snapshot was saved: the page is the chat's DOM and nothing runs.
      await page.setContent(readFileSync(join(SNAPSHOTS, `${name}.html`), 'utf8'), { waitUntil: 'load' });
      await page.addScriptTag({ content: contract });
      seen = await inspect(page, expected);
    } finally {
      await page.close();
    }
  });

  it('gets its adapter and finds exactly the expected compose box', () => {
    expect(expected, 'expectations for this snapshot').toBeDefined();
    expect(seen.adapter).toBe(expected!.adapter);
    expect(seen.boxes).toEqual(expected!.box ? [expected!.box] : []);
    expect(seen.maxLength).toBe(expected!.maxLength);
    expect(seen.conversation).toBe(expected!.conversation);
  });

  it('sends through the site: Enter on the box, or its Send button', () => {
    const send = expected!.send;
    expect(seen.sent).toEqual(send === undefined ? [] : send === 'Enter' ? ['keydown Enter on the box'] : [`click on ${send}`]);
  });

  it('reads each message as a row of its own in one list, with its sender', () => {
    if (!expected!.messages) {
      expect(seen.messagesInMarkup).toBe(0);
      expect(seen.rows.every((r) => r.row === null)).toBe(true);
      return;
    }
    expect(seen.messagesInMarkup).toBe(MESSAGES.length);
    expect(seen.rows.map((r) => r.row)).toEqual(MESSAGES.map(() => expected!.row ?? ROW));
    expect(seen.rows.map((r) => r.distinct)).toEqual(MESSAGES.map((_, i) => i));
    expect(seen.listLength).toBe(MESSAGES.length);
    expect(seen.rows.map((r) => r.nextIsNextMessage)).toEqual(MESSAGES.map(() => true));
    expect(seen.rows.map((r) => r.textAtPath)).toEqual(MESSAGES.map((m) => m.text));
    expect(seen.rows.map((r) => r.sender)).toEqual(MESSAGES.map((m) => m.sender));
  });

  it('names each row’s sender without data-sender too (grouped rows: the group’s)', () => {
    if (!expected!.messages) {
      expect(seen.rows.map((r) => r.senderWithoutAttribute)).toEqual(MESSAGES.map(() => null));
      return;
    }
    expect(seen.rows.map((r) => r.senderWithoutAttribute)).toEqual(MESSAGES.map((m) => m.sender));
    expect(seen.rows.map((r) => r.ownWithoutAttribute)).toEqual(expected!.ownSenders ?? MESSAGES.map((m) => m.sender));
  });
});
