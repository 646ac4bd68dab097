// The file tools' state holder for the popup and the side panel: starts jobs (file-job.ts), asks where to
// save (save-target.ts) in the click that needs it, and turns their progress and outcome into state.
import { useEffect, useRef, useState } from 'preact/hooks';
import { IDLE, type FileToolsState } from '@/components/files/file-tools-state';
import { browser } from 'wxt/browser';
import { FILE_LINK_FRAGMENT, FILE_LINK_KEY_PREFIX, linkedFileName } from '@/lib/content/file-link';
import { FileJob } from './file-job';
import { chooseSaveTarget, type SaveTarget } from './save-target';

const ENCRYPTED_SUFFIX = '.c2c';
/** Progress is shown at most this often (a job reports once per mebibyte). */
const PROGRESS_MS = 100;

export function useFileTools() {
  const [state, setState] = useState<FileToolsState>(IDLE);
  const job = useRef<FileJob | null>(null);
  const link = useRef<string | null>(null);
  const lastProgress = useRef(0);

  const forgetLink = () => {
    if (link.current) URL.revokeObjectURL(link.current);
    link.current = null;
  };
  useEffect(() => () => (job.current?.cancel(), forgetLink()), []);

  const progress = (fraction: number) => {
    const now = Date.now();
    if (fraction < 1 && now - lastProgress.current < PROGRESS_MS) return;
    lastProgress.current = now;
    setState((s) => ({ ...s, progress: fraction }));
  };

  /** Shows how `running` ended; a blob (no save picker) is offered as a link under `name`. */
  const settle = async (running: FileJob, name: string) => {
    const result = await running.result;
    if (job.current !== running) return;
    job.current = null;
    if (!result.ok) return setState((s) => ({ ...s, phase: 'failed', failure: { code: result.code, message: result.message } }));
    if (result.blob) {
      link.current = URL.createObjectURL(result.blob);
      return setState((s) => ({ ...s, phase: 'done', progress: 1, link: { url: link.current!, name } }));
    }
    setState((s) => ({ ...s, phase: 'done', progress: 1 }));
  };

  const start = (kind: FileToolsState['kind']) => {
    job.current?.cancel();
    forgetLink();
    setState({ kind, phase: kind === 'encrypt' ? 'running' : 'opening', progress: 0 });
  };

  const failToSave = (e: unknown) => setState((s) => ({ ...s, phase: 'failed', failure: { code: 'internal', message: String(e) } }));

  const encrypt = async (file: File, recipients: string[]) => {
    const name = file.name + ENCRYPTED_SUFFIX;
    let target: SaveTarget | null;
    try {
      target = await chooseSaveTarget(name);
    } catch (e) {
      return failToSave(e);
    }
    if (!target) return;
    start('encrypt');
    const running = FileJob.seal(file, recipients, target, progress);
    job.current = running;
    await settle(running, name);
  };

  const pickEncrypted = async (file: File, linkedFrom?: string) => {
    start('decrypt');
    if (linkedFrom !== undefined) setState((s) => ({ ...s, linkedFrom }));
    const { job: running, opened } = FileJob.open(file, progress);
    job.current = running;
    const info = await opened;
    if (info && job.current === running) setState((s) => ({ ...s, phase: 'opened', opened: info }));
    // The file's own name inside the encryption; a .c2c file's name without the suffix when it has none.
    await settle(running, info?.name || file.name.replace(/\.c2c$/i, '') || 'decrypted');
  };

  /**
   * A `.c2c` link the user clicked in a host page (background/file-links.ts): fetched without credentials, so
   * no cookie or login of that site is ever used on the page's behalf (a hostile page could otherwise point
   * the link at anything its user is signed in to). A link that needs a login fails and says so.
   */
  const openLinked = async (id: string) => {
    const key = FILE_LINK_KEY_PREFIX + id;
    const url = ((await browser.storage.session.get(key))[key] as string | undefined) ?? null;
    if (url === null) {
      // Taken once already (this tab reloaded), or the browser restarted since the click.
      start('decrypt');
      return setState((s) => ({ ...s, phase: 'failed', failure: { code: 'link-gone', message: 'The link is no longer held.' } }));
    }
    await browser.storage.session.remove(key);
    const site = new URL(url).host;
    start('decrypt');
    setState((s) => ({ ...s, linkedFrom: site }));
    let blob: Blob;
    try {
      const response = await fetch(url, { credentials: 'omit', cache: 'no-store' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      blob = await response.blob();
    } catch (e) {
      return setState((s) => ({ ...s, phase: 'failed', failure: { code: 'fetch-failed', message: String(e) } }));
    }
    await pickEncrypted(new File([blob], linkedFileName(url)), site);
  };

  useEffect(() => {
    const fragment = location.hash.slice(1);
    if (fragment.startsWith(FILE_LINK_FRAGMENT)) void openLinked(fragment.slice(FILE_LINK_FRAGMENT.length));
  }, []);

  const saveDecrypted = async () => {
    const running = job.current;
    if (!running || state.phase !== 'opened') return;
    let target: SaveTarget | null;
    try {
      target = await chooseSaveTarget(state.opened?.name || 'decrypted');
    } catch (e) {
      running.cancel();
      return failToSave(e);
    }
    if (!target) return; // the picker was closed: the file stays open, Save can be clicked again
    setState((s) => ({ ...s, phase: 'running' }));
    running.save(target);
  };

  const cancel = () => job.current?.cancel();

  // FileTools' props, but the contacts to choose from.
  return {
    state,
    onEncrypt: (file: File, recipients: string[]) => void encrypt(file, recipients),
    onPickEncrypted: (file: File) => void pickEncrypted(file),
    onSaveDecrypted: () => void saveDecrypted(),
    onCancel: cancel,
  };
}
