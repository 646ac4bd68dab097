// The security colour and image for any extension page (popup, compose and message frames) to show
// with SecurityBadge: read once from the background, replaced after the user saves a new choice.
import { useEffect, useState } from 'preact/hooks';
import type { SecurityChoice } from '@/lib/protocol/background-api';
import { callBackground } from './background-client';

/** The current choice (null until read), a setter for a newly saved one, and a re-read (after a restore). */
export function useSecurity(): [SecurityChoice | null, (security: SecurityChoice) => void, () => void] {
  const [security, setSecurity] = useState<SecurityChoice | null>(null);
  const reload = () =>
    void callBackground({ type: 'getSecurity' }).then((r) => {
      if (r.ok) setSecurity(r.security);
    });
  useEffect(reload, []);
  return [security, setSecurity, reload];
}
