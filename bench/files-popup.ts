// `npm run bench -- files-popup`: memory of the extension while the popup encrypts and decrypts a large file,
// in Chromium with the test build. A file of BENCH_FILES_POPUP_MIB (default 256) MiB is encrypted to a
// contact from the popup, saved through the save picker's file handle (answered with one in the origin
// private file system, as the e2e tests do), then that saved file is decrypted and saved again. Every
// 100 ms the resident memory (RSS, /proc) of Chromium's processes is read: the extension's renderer (the
// popup page and the background service worker) and all of Chromium together. The same-run baseline is a
// file of BENCH_FILES_POPUP_SMALL_MIB (default 16) MiB: constant memory means the same peaks for both.
// Fields: bench/README.md.
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ElementHandle, Page } from 'puppeteer-core';
import { bundleOf, onboardInPopup, pin } from '../tests/e2e/flows';
import { answerSavePicker } from '../tests/e2e/files-flows';
import { byTestId, launchWithExtension } from '../tests/e2e/harness';
import { ensureChromeBuild } from './content/build';
import { envInt } from './env';
import { runIfMain } from './main';
import { round } from './relay/stats';

const CONFIG = { mib: envInt('BENCH_FILES_POPUP_MIB', 256), smallMib: envInt('BENCH_FILES_POPUP_SMALL_MIB', 16) };
const MIB = 1024 * 1024;
const PAGE_SIZE = 4096;
const log = (line: string) => console.error(`[files-popup] ${line}`);

/** RSS in MiB of a process, or 0 once it is gone. */
function rssMib(pid: number): number {
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    return (pages * PAGE_SIZE) / MIB;
  } catch {
    return 0;
  }
}

/** Chromium's processes under `root`, the extension's renderer told apart by its command line. */
function chromiumProcesses(root: number): { pid: number; extension: boolean }[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const under = (pid: number): boolean => pid === root || (parent.has(pid) && pid > 1 && under(parent.get(pid)!));
  return [...parent.keys()].filter(under).map((pid) => {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      // gone meanwhile
    }
    return { pid, extension: cmdline.includes('--extension-process') };
  });
}

/** Samples RSS every 100 ms until stopped; returns the peaks. */
function sampleMemory(root: number) {
  const peak = { extension: 0, total: 0 };
  const read = () => {
    const procs = chromiumProcesses(root);
    const extension = procs.filter((p) => p.extension).reduce((s, p) => s + rssMib(p.pid), 0);
    const total = procs.reduce((s, p) => s + rssMib(p.pid), 0);
    peak.extension = Math.max(peak.extension, extension);
    peak.total = Math.max(peak.total, total);
  };
  read();
  const timer = setInterval(read, 100);
  return () => {
    clearInterval(timer);
    read();
    return { extensionMib: round(peak.extension, 1), totalMib: round(peak.total, 1) };
  };
}

/** A file of `mib` MiB: one random MiB repeated, each copy numbered in its first 8 bytes. */
function makeFile(path: string, mib: number): void {
  const block = randomBytes(MIB);
  const fd = openSync(path, 'w');
  try {
    for (let i = 0; i < mib; i++) {
      block.writeBigUInt64BE(BigInt(i), 0);
      writeSync(fd, block);
    }
  } finally {
    closeSync(fd);
  }
}

async function waitForPhase(page: Page, kind: string, phase: string): Promise<void> {
  const handle = await page.waitForSelector(`${byTestId('file-job')}[data-kind="${kind}"]:is([data-phase="${phase}"], [data-phase="failed"])`, { timeout: 30 * 60_000 });
  const shown = await handle!.evaluate((e) => e.getAttribute('data-phase'));
  if (shown !== phase) throw new Error(`${kind} failed: ${await page.$eval(byTestId('file-error'), (e) => e.textContent)}`);
}

/** Chooses a file of the origin private file system in the file input, as a user would a file on disk. */
async function chooseSavedFile(page: Page, name: string): Promise<void> {
  await page.evaluate(async (n) => {
    const file = await (await (await navigator.storage.getDirectory()).getFileHandle(n)).getFile();
    const input = document.querySelector<HTMLInputElement>('[data-testid="file-decrypt-input"]')!;
    const picked = new DataTransfer();
    picked.items.add(file);
    input.files = picked.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }, name);
}

/** Size and first 8 bytes of the last MiB of a saved file (the copy number it must hold). */
async function savedSummary(page: Page, name: string): Promise<{ size: number; lastCopy: string }> {
  return page.evaluate(async (n) => {
    const file = await (await (await navigator.storage.getDirectory()).getFileHandle(n)).getFile();
    const tail = new DataView(await file.slice(Math.max(0, file.size - 1024 * 1024), Math.max(0, file.size - 1024 * 1024) + 8).arrayBuffer());
    return { size: file.size, lastCopy: tail.byteLength === 8 ? tail.getBigUint64(0).toString() : '' };
  }, name);
}

async function roundTrip(page: Page, root: number, dir: string, mib: number) {
  const name = `bench-${mib}.bin`;
  makeFile(join(dir, name), mib);
  const input = (await page.waitForSelector(`${byTestId('file-encrypt-input')}:not([disabled])`)) as ElementHandle<HTMLInputElement>;
  await input.uploadFile(join(dir, name));
  await answerSavePicker(page);
  const stopEncrypt = sampleMemory(root);
  let at = performance.now();
  await page.click(byTestId('file-encrypt'));
  await waitForPhase(page, 'encrypt', 'done');
  const encryptS = (performance.now() - at) / 1000;
  const encryptPeak = stopEncrypt();
  rmSync(join(dir, name));

  await answerSavePicker(page);
  await chooseSavedFile(page, `${name}.c2c`);
  await waitForPhase(page, 'decrypt', 'opened');
  const stopDecrypt = sampleMemory(root);
  at = performance.now();
  await page.click(byTestId('file-decrypt-save'));
  await waitForPhase(page, 'decrypt', 'done');
  const decryptS = (performance.now() - at) / 1000;
  const decryptPeak = stopDecrypt();
  const saved = await savedSummary(page, name);
  if (saved.size !== mib * MIB || saved.lastCopy !== String(mib - 1)) throw new Error(`the decrypted file differs: ${JSON.stringify(saved)}`);
  await page.evaluate(async (n) => {
    const root = await navigator.storage.getDirectory();
    await root.removeEntry(n);
    await root.removeEntry(`${n}.c2c`);
  }, name);
  return {
    mib,
    encrypt: { seconds: round(encryptS, 2), mibPerSecond: round(mib / encryptS, 1), peakExtensionMib: encryptPeak.extensionMib, peakChromiumMib: encryptPeak.totalMib },
    decrypt: { seconds: round(decryptS, 2), mibPerSecond: round(mib / decryptS, 1), peakExtensionMib: decryptPeak.extensionMib, peakChromiumMib: decryptPeak.totalMib },
  };
}

export async function filesPopupBench(): Promise<Record<string, unknown>> {
  ensureChromeBuild('test', log);
  const dir = mkdtempSync(join(tmpdir(), 'c2c-bench-files-popup-'));
  const [alice, bob] = await Promise.all([launchWithExtension('chromium'), launchWithExtension('chromium')]);
  try {
    const { page: bobPage } = await onboardInPopup(bob, 'bob');
    const bobBundle = await bundleOf(bobPage);
    await bob.close();
    let { page } = await onboardInPopup(alice, 'alice');
    await pin(page, 'bob', bobBundle);
    await page.close();
    page = await alice.openPopup();
    await (await page.waitForSelector(`${byTestId('file-recipient')}[data-handle="bob"]`))!.click();
    const root = alice.browser.process()?.pid;
    if (root === undefined) throw new Error('no Chromium process to measure');
    const idle = sampleMemory(root)();
    log(`idle: extension ${idle.extensionMib} MiB, Chromium ${idle.totalMib} MiB`);
    const small = await roundTrip(page, root, dir, CONFIG.smallMib);
    log(`baseline ${CONFIG.smallMib} MiB: ${JSON.stringify(small)}`);
    const large = await roundTrip(page, root, dir, CONFIG.mib);
    log(`${CONFIG.mib} MiB: ${JSON.stringify(large)}`);
    const ratio = (a: number, b: number) => round(a / b, 2);
    return {
      idle,
      baseline: small,
      large,
      peakExtensionRatio: { encrypt: ratio(large.encrypt.peakExtensionMib, small.encrypt.peakExtensionMib), decrypt: ratio(large.decrypt.peakExtensionMib, small.decrypt.peakExtensionMib) },
    };
  } finally {
    await Promise.all([alice.close(), bob.close().catch(() => undefined)]);
    rmSync(dir, { recursive: true, force: true });
  }
}

runIfMain(import.meta.url, 'files-popup', filesPopupBench);
