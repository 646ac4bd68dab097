// Opens the options page in a tab, at one of its places: the settings, the first-run flow or the backup.
import { browser } from 'wxt/browser';

export type OptionsPlace = '' | 'setup' | 'backup';

export async function openOptions(place: OptionsPlace = ''): Promise<void> {
  await browser.tabs.create({ url: browser.runtime.getURL(`/options.html${place ? `#${place}` : ''}`) });
}
