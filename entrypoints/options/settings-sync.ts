// Extension pages open side by side (two options tabs, the popup) hear of each other's saves at once, so
// none shows, or later saves over, a stale value. BroadcastChannel never echoes to the sender.
import { useEffect, useRef } from 'preact/hooks';

const CHANNEL = 'c2c-settings-changed';

/** Call after a successful save. */
export function announceChange(): void {
  const channel = new BroadcastChannel(CHANNEL);
  channel.postMessage('changed');
  channel.close();
}

/** Runs the latest `onChange` whenever another page announced a save. */
export function useChangesElsewhere(onChange: () => void): void {
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => {
    const channel = new BroadcastChannel(CHANNEL);
    channel.onmessage = () => latest.current();
    return () => channel.close();
  }, []);
}
