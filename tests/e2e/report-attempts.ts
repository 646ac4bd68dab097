// Loaded before each browser test file. A test that passes on its retry would hide why its first attempt
// failed: the reason is printed, so an intermittent failure leaves a trace in the run's log.
import { beforeEach, onTestFailed } from 'vitest';

beforeEach(() => {
  onTestFailed(({ task }) => {
    const reasons = (task.result?.errors ?? []).map((e) => e.message).join(' | ');
    console.error(`[attempt failed] ${task.name}: ${reasons}`);
  });
});
