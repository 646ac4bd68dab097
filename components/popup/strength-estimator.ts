// zxcvbn-ts with its common (passwords, keyboard layouts) and English (words, names, Wikipedia) lists, about
// 1.7 MB of script: imported dynamically, so the bundler puts it in chunks of their own that only the
// options page's backup form loads, never the popup, the content script or the frames in host pages.
// The passphrase is only measured here: nothing keeps or logs it.
import type { StrengthEstimate, StrengthWarning } from './backup-strength';

export type Estimator = (passphrase: string) => StrengthEstimate;

let loading: Promise<Estimator> | undefined;

/** Loads the estimator once per page; later calls share the first load. */
export function loadEstimator(): Promise<Estimator> {
  loading ??= (async () => {
    const [{ ZxcvbnFactory }, common, en] = await Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common'), import('@zxcvbn-ts/language-en')]);
    // No translations: warnings come back as zxcvbn's keys, which backup-strength.ts words in our catalogues.
    const zxcvbn = new ZxcvbnFactory({ dictionary: { ...common.dictionary, ...en.dictionary }, graphs: common.adjacencyGraphs });
    return (passphrase) => {
      const r = zxcvbn.check(passphrase);
      return { score: r.score, guesses: r.guesses, warning: (r.feedback.warning as StrengthWarning | null) ?? null };
    };
  })();
  loading.catch(() => (loading = undefined)); // a failed load is tried again on the next call
  return loading;
}
