// Where a file the background produces is written, in constant memory where the browser allows it.
// Chromium: the File System Access save picker (`showSaveFilePicker`, asked in the click that starts the
// job); its writable stream writes to a temporary file beside the target and moves it into place only on
// `close()`, so an aborted or failed job leaves nothing under the chosen name. Firefox has no save picker:
// the pieces stream into `new Response(stream).blob()` and the user saves that blob from a link offered
// once the job is done (never a partial or unauthenticated file).

export interface SaveTarget {
  write(bytes: Uint8Array): Promise<void>;
  /** Keeps what was written: nothing for a picked file, else a blob to offer as a link. */
  commit(): Promise<Blob | null>;
  abort(): Promise<void>;
}

interface WritableFile {
  write(data: BufferSource): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}
type SavePicker = (options: { suggestedName: string }) => Promise<{ createWritable(): Promise<WritableFile> }>;

function savePicker(): SavePicker | undefined {
  const picker = (globalThis as { showSaveFilePicker?: SavePicker }).showSaveFilePicker;
  return typeof picker === 'function' ? picker.bind(globalThis) : undefined;
}

/** Whether saving asks where first (Chromium) or offers a link after (Firefox). */
export const savesThroughPicker = (): boolean => savePicker() !== undefined;

/**
 * Asks where to save, in the click's own turn (the picker needs the user's gesture). Null when the user
 * closed the picker.
 */
export async function chooseSaveTarget(suggestedName: string): Promise<SaveTarget | null> {
  const picker = savePicker();
  if (!picker) return blobTarget();
  let writable: WritableFile;
  try {
    writable = await (await picker({ suggestedName })).createWritable();
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') return null;
    throw e;
  }
  return {
    write: (bytes) => writable.write(bytes as Uint8Array<ArrayBuffer>),
    commit: async () => {
      await writable.close();
      return null;
    },
    abort: () => writable.abort().catch(() => undefined),
  };
}

function blobTarget(): SaveTarget {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const blob = new Response(stream).blob();
  blob.catch(() => undefined); // aborted: nothing is kept
  return {
    write: (bytes) => {
      controller.enqueue(bytes);
      return Promise.resolve();
    },
    commit: () => {
      controller.close();
      return blob;
    },
    abort: () => {
      controller.error(new DOMException('cancelled', 'AbortError'));
      return Promise.resolve();
    },
  };
}
