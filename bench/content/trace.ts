// Reads a Chromium trace (puppeteer `page.tracing`) for the content bench: the main thread of the renderer
// that shows a given page, how long it was busy, and where that time went.

export interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  /** Thread (CPU) time of an X event, µs: unlike `dur`, it leaves out time the thread waited for a core. */
  tdur?: number;
  args?: { name?: string; data?: { url?: string; frame?: string; message?: string; processId?: number; frames?: { url?: string; processId?: number; isOutermostMainFrame?: boolean }[]; isOutermostMainFrame?: boolean } };
}

/** Categories to record: top-level tasks plus what the DevTools Performance panel shows inside them. */
export const TRACE_CATEGORIES = ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing'];

/** The unit of main-thread work: one task of the renderer's scheduler. */
const TASK = 'ThreadControllerImpl::RunTask';

export function parseTrace(bytes: Uint8Array): TraceEvent[] {
  const json = JSON.parse(Buffer.from(bytes).toString('utf8')) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  return Array.isArray(json) ? json : (json.traceEvents ?? []);
}

export interface Thread {
  pid: number;
  tid: number;
}

/** The main thread of the renderer whose top-level frame last showed a URL starting with `urlPrefix`. */
export function pageMainThread(events: TraceEvent[], urlPrefix: string): Thread {
  let pid: number | undefined;
  for (const e of events) {
    const d = e.args?.data;
    if (e.name === 'TracingStartedInBrowser') {
      for (const f of d?.frames ?? []) if (f.isOutermostMainFrame && f.url?.startsWith(urlPrefix)) pid = f.processId;
    } else if (e.name === 'FrameCommittedInBrowser' && d?.isOutermostMainFrame && d.url?.startsWith(urlPrefix)) pid = d.processId;
  }
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === pid && e.args?.name === 'CrRendererMain');
  if (pid === undefined || !main) throw new Error(`the trace shows no renderer for ${urlPrefix}`);
  return { pid, tid: main.tid };
}

const on = (t: Thread) => (e: TraceEvent) => e.pid === t.pid && e.tid === t.tid && e.ph === 'X' && e.dur !== undefined;

const cpu = (e: TraceEvent) => e.tdur ?? e.dur!;

export interface Busy {
  /** CPU time of the thread's tasks, ms. */
  cpuMs: number;
  /** Wall time the thread spent in tasks, ms (on a busy machine, includes waiting for a core). */
  wallMs: number;
  longestTaskMs: number;
  tasks: number;
}

/** The thread's top-level tasks (a task nested in another is part of it). */
function topLevelTasks(events: TraceEvent[], thread: Thread): TraceEvent[] {
  const tasks = events.filter((e) => on(thread)(e) && e.name === TASK).sort((a, b) => a.ts - b.ts);
  let end = -Infinity;
  return tasks.filter((t) => {
    if (t.ts + t.dur! <= end) return false;
    end = t.ts + t.dur!;
    return true;
  });
}

export function busyTime(events: TraceEvent[], thread: Thread): Busy {
  const tasks = topLevelTasks(events, thread);
  const sum = (f: (e: TraceEvent) => number) => tasks.reduce((total, t) => total + f(t), 0) / 1000;
  return { cpuMs: sum(cpu), wallMs: sum((t) => t.dur!), longestTaskMs: Math.max(0, ...tasks.map((t) => t.dur!)) / 1000, tasks: tasks.length };
}

/** CPU time (ms) of all threads of the extension's renderer processes (its frames and its service worker). */
export function extensionRendererCpu(events: TraceEvent[]): number {
  const pids = new Set(events.filter((e) => e.ph === 'M' && e.name === 'process_name' && e.args?.name === 'Extension Renderer').map((e) => e.pid));
  const threads = new Map<string, Thread>();
  for (const e of events) if (pids.has(e.pid) && e.name === TASK) threads.set(`${e.pid}/${e.tid}`, { pid: e.pid, tid: e.tid });
  return [...threads.values()].reduce((total, t) => total + busyTime(events, t).cpuMs, 0);
}

/**
 * Self CPU time (ms) per kind of work on the thread: each DevTools timeline event minus the events inside it.
 * Script of the content script is labelled `content script: NAME`; time in a task that no timeline event
 * covers is `task (uninstrumented)`.
 */
export function selfTimes(events: TraceEvent[], thread: Thread, contentScriptPath: string): Map<string, number> {
  const spans = events
    .filter((e) => on(thread)(e) && (e.name === TASK || e.cat.includes('devtools.timeline')))
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const self = new Map<string, number>();
  const add = (label: string, us: number) => self.set(label, (self.get(label) ?? 0) + us / 1000);
  const label = (e: TraceEvent) =>
    e.name === TASK ? 'task (uninstrumented)' : e.args?.data?.url?.includes(contentScriptPath) ? `content script: ${e.name}` : e.name;
  const stack: { end: number; label: string }[] = [];
  for (const e of spans) {
    while (stack.length > 0 && stack[stack.length - 1]!.end <= e.ts) stack.pop();
    const parent = stack[stack.length - 1];
    // A child's time is its own, not its parent's (nesting is read from wall times).
    if (parent) add(parent.label, -cpu(e));
    add(label(e), cpu(e));
    stack.push({ end: e.ts + e.dur!, label: label(e) });
  }
  return self;
}

/** Trace time (µs) of the `console.timeStamp(label)` a page made. */
export function timeStampAt(events: TraceEvent[], label: string): number {
  const stamp = events.find((e) => e.name === 'TimeStamp' && e.args?.data?.message === label);
  if (!stamp) throw new Error(`the trace has no timestamp ${label}`);
  return stamp.ts;
}

export interface FramePhases {
  /** ms from the scroll to the end of the content script's first run after it (the one that places the frame). */
  placed: number;
  /** … to the frame's document being committed in the extension's renderer; null for a recycled frame (only its fragment changed). */
  committed: number | null;
  /** … to the frame's first paint (its "Decrypting…" placeholder). */
  firstPaint: number;
  /** … to the paint that shows the plaintext (the first after the frame marked its result shown). */
  plaintextPaint: number;
  /** … to its last paint: the status line, which waits until the frame has been wholly on show for a moment. */
  statusPaint: number;
}

/** When a message frame (by its DevTools frame id) went through each step after the scroll at `from` (µs). */
export function framePhases(events: TraceEvent[], frameId: string, from: number, contentScriptPath: string, resultMark: string): FramePhases | undefined {
  const after = (e: TraceEvent) => e.ts >= from;
  const script = events.filter((e) => after(e) && e.ph === 'X' && e.args?.data?.url?.includes(contentScriptPath)).sort((a, b) => a.ts - b.ts)[0];
  const commit = events.find((e) => after(e) && e.name === 'FrameCommittedInBrowser' && e.args?.data?.frame === frameId);
  const paints = events.filter((e) => after(e) && e.name === 'Paint' && e.ph === 'X' && e.args?.data?.frame === frameId).map((e) => e.ts + e.dur!).sort((a, b) => a - b);
  // Only the frame opened by the scroll decrypts during it: the first result mark after the scroll is its.
  const shown = events.filter((e) => after(e) && e.name === resultMark).sort((a, b) => a.ts - b.ts)[0];
  const plaintext = shown && paints.find((end) => end >= shown.ts);
  if (!script || plaintext === undefined) return undefined;
  const ms = (ts: number) => (ts - from) / 1000;
  return { placed: ms(script.ts + script.dur!), committed: commit ? ms(commit.ts) : null, firstPaint: ms(paints[0]!), plaintextPaint: ms(plaintext), statusPaint: ms(paints.at(-1)!) };
}
