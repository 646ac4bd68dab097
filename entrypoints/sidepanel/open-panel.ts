// Opens the side panel bound to one tab: Chrome's sidePanel (a panel per tab, its address naming the tab)
// or Firefox's sidebar (its panel set for that tab). Both browsers open it only in answer to a user action,
// so callers call this straight from the click or command handler, without awaiting anything first.

export const PANEL_PAGE = '/sidepanel.html';

/** The panel's address for a tab: the panel reads `tab` from it (and tests open it in a normal tab). */
export function panelPath(tabId: number): string {
  return `${PANEL_PAGE.slice(1)}?tab=${tabId}`;
}

interface ChromeSidePanel {
  setOptions(options: { tabId: number; path: string; enabled: boolean }): Promise<void>;
  open(options: { tabId: number }): Promise<void>;
}
interface FirefoxSidebar {
  setPanel(details: { tabId: number; panel: string }): Promise<void>;
  open(): Promise<void>;
}

/** Resolves once the browser opened it; rejects where it cannot (no such API, or no user action). */
export function openPanelFor(tabId: number): Promise<void> {
  const api = globalThis as { chrome?: { sidePanel?: ChromeSidePanel }; browser?: { sidebarAction?: FirefoxSidebar } };
  const sidePanel = api.chrome?.sidePanel;
  if (sidePanel) {
    // Not awaited: open() must run within the user action; the browser applies the options first.
    void sidePanel.setOptions({ tabId, path: panelPath(tabId), enabled: true });
    return sidePanel.open({ tabId });
  }
  const sidebar = api.browser?.sidebarAction;
  if (sidebar) {
    void sidebar.setPanel({ tabId, panel: `/${panelPath(tabId)}` });
    return sidebar.open();
  }
  return Promise.reject(new Error('This browser has no side panel.'));
}
