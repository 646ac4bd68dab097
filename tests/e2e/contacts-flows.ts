// What a person does with contacts and identity care in the popup, shared by the Chromium and Firefox files.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'puppeteer-core';
import { generateIdentity } from '@/lib/crypto/identity';
import { generatePrekey } from '@/lib/crypto/prekey';
import { encodePublicBundle } from '@/lib/crypto/public-bundle';
import { DIRECTORY_FILE } from '@/relay/directory';
import { byTestId } from './harness';
import { contactItem } from './flows';

/** 60 digits in groups of five. */
export const SAFETY_NUMBER_RE = /^\d{5}( \d{5}){11}$/;

/** Sets a field's value as pasting does (one input event), for text too long to type key by key. */
export async function paste(page: Page, selector: string, value: string): Promise<void> {
  const el = await page.waitForSelector(selector);
  await el!.evaluate((e, v) => {
    const input = e as HTMLInputElement | HTMLTextAreaElement;
    input.focus();
    input.value = v;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}

export const inContact = (handle: string, testId: string) => `${contactItem(handle)} ${byTestId(testId)}`;

export async function openDetails(page: Page, handle: string): Promise<void> {
  const open = await page.$eval(`${contactItem(handle)} details`, (d) => (d as HTMLDetailsElement).open);
  if (!open) await page.click(inContact(handle, 'contact-details'));
}

export async function valueOf(page: Page, selector: string): Promise<string> {
  const el = await page.waitForSelector(selector, { timeout: 30_000 });
  return el!.evaluate((e) => (e as HTMLInputElement).value);
}

/** Pastes a code into a contact's "their code" field and submits it; returns what the popup then says. */
export async function submitCode(page: Page, handle: string, code: string): Promise<string> {
  await paste(page, inContact(handle, 'contact-verify-code'), code);
  await (await page.waitForSelector(`${inContact(handle, 'contact-verify-submit')}:not([disabled])`))!.click();
  const outcome = await page.waitForSelector(
    [`${contactItem(handle)}[data-verified="true"]`, byTestId('contact-verify-mismatch'), byTestId('contact-details-error')].join(', '),
    { timeout: 30_000 },
  );
  return outcome!.evaluate((e) => (e.getAttribute('data-verified') === 'true' ? 'verified' : (e.textContent ?? '')));
}

export async function keyHistoryStates(page: Page, handle: string): Promise<string[]> {
  return page.$$eval(inContact(handle, 'contact-key-history-item'), (items) => items.map((i) => i.getAttribute('data-state') ?? ''));
}


/** What a malicious relay does: replaces a handle's key in its SQLite directory by an impostor's. */
/** A relay swapping a handle's key behind its key log's back: its directory edited in place. */
export async function swapKeyInDirectory(relayDataDir: string, handle: string) {
  const impostor = await generateIdentity(true);
  const prekey = await generatePrekey(impostor);
  const forged = encodePublicBundle({ identityKey: impostor.publicKey, prekey, handle });
  const directory = new Database(join(relayDataDir, DIRECTORY_FILE));
  try {
    const changed = directory
      .prepare('UPDATE identities SET identity_key = ?, bundle = ?, prekey_created = ? WHERE handle = ?')
      .run(Buffer.from(impostor.publicKey), forged, prekey.created, handle);
    if (changed.changes !== 1) throw new Error(`${handle} is not in the relay's directory`);
  } finally {
    directory.close();
  }
  // The relay's key log does not hold the swapped key, so a lookup refuses it; `bundle` is the same key
  // for reaching the browser another way (a pasted key line).
  return { ...impostor, bundle: forged };
}
