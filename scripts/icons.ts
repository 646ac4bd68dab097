// npm run icons: the extension's icons (public/icon/<size>.png, which WXT lists in the manifest) rendered
// from store/icon.svg by Debian's Chromium, so the drawing has one source. Run after changing the SVG.
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import puppeteer from 'puppeteer-core';
import { CHROMIUM_ARGS } from '../tests/e2e/harness';

const ROOT = resolve(import.meta.dirname, '..');
/** The sizes the stores and browsers ask for: toolbar (16, 32), extensions page (48, 96), store (128). */
const SIZES = [16, 32, 48, 96, 128];

const svg = readFileSync(join(ROOT, 'store', 'icon.svg')).toString('base64');
const out = join(ROOT, 'public', 'icon');
mkdirSync(out, { recursive: true });
const browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, pipe: true, args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  for (const size of SIZES) {
    await page.setViewport({ width: size, height: size });
    await page.setContent(`<style>html,body{margin:0;background:transparent}</style><img width="${size}" height="${size}" src="data:image/svg+xml;base64,${svg}">`);
    await page.waitForFunction(() => document.images[0]?.complete);
    await page.screenshot({ path: join(out, `${size}.png`) as `${string}.png`, omitBackground: true });
    console.log(`public/icon/${size}.png`);
  }
} finally {
  await browser.close();
}
