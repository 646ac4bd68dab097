// Per-site adapters, one small file each, used only where a site needs one (docs/ARCHITECTURE.md lists
// what real sites would need). The first adapter that matches the page wins; the generic one fills the gaps.
import type { ResolvedAdapter, SiteAdapter } from './adapter';
import { genericAdapter } from './generic';
import { teamChatAdapter } from './team-chat';

/** The fixture team chat's adapter is in the test build only: the store build carries no fixture code. */
const ADAPTERS: readonly SiteAdapter[] = __C2C_TEST_BUILD__ ? [teamChatAdapter] : [];

export function adapterFor(url: URL): ResolvedAdapter {
  const site = ADAPTERS.find((a) => a.matches(url));
  return site ? { ...genericAdapter, ...site } : genericAdapter;
}
