// The `open-side-panel` keyboard command: the side panel for the tab it was pressed in (Chrome and Firefox
// pass it), else the focused window's active tab. A command is a user action, so the panel may open.
import { browser } from 'wxt/browser';
import { openPanelFor } from '../sidepanel/open-panel';

export const PANEL_COMMAND = 'open-side-panel';

export function listenForPanelCommand(): void {
  browser.commands.onCommand.addListener((command, tab) => {
    if (command !== PANEL_COMMAND || tab?.id === undefined) return;
    openPanelFor(tab.id).catch(() => undefined);
  });
}
