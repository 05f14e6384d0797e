import { describe, expect, it } from 'vitest';
import { SerialTask } from '../../src/integrity/SerialTask.ts';
import { eventually } from './integritySupport.ts';

/** A run that waits until released, counting how many ran and how many ran at once. */
function gatedRun() {
  const state = { runs: 0, active: 0, maxActive: 0 };
  let gate = Promise.resolve();
  let open: () => void = () => undefined;
  const hold = () => { gate = new Promise<void>((r) => { open = r; }); };
  const release = () => open();
  const run = async () => {
    state.runs++;
    state.active++;
    state.maxActive = Math.max(state.maxActive, state.active);
    await gate;
    state.active--;
  };
  return { state, hold, release, run };
}

describe('SerialTask', () => {
  it('never runs twice at once, and folds the wakes that came during a run into one more run', async () => {
    const g = gatedRun();
    g.hold();
    const task = new SerialTask({ run: g.run, onError: () => undefined });
    task.wake();
    await eventually(async () => (g.state.runs === 1 ? true : undefined), 'the first run');
    for (let i = 0; i < 10; i++) task.wake();
    g.release();
    await eventually(async () => (g.state.runs === 2 && g.state.active === 0 ? true : undefined), 'one more run');
    await new Promise((r) => setTimeout(r, 20));
    expect(g.state.runs).toBe(2);
    expect(g.state.maxActive).toBe(1);
    await task.close();
  });

  it('with minIntervalMs, starts runs at least that far apart, and the wakes in between share one run', async () => {
    const starts: number[] = [];
    const task = new SerialTask({ run: async () => { starts.push(performance.now()); }, onError: () => undefined, minIntervalMs: 200 });
    task.wake();
    await eventually(async () => (starts.length === 1 ? true : undefined), 'the first run');
    // A burst of wakes right after a run: one more run, not before the interval is over.
    for (let i = 0; i < 20; i++) {
      task.wake();
      await new Promise((r) => setTimeout(r, 2));
    }
    await eventually(async () => (starts.length === 2 ? true : undefined), 'the second run');
    await new Promise((r) => setTimeout(r, 100));
    expect(starts).toHaveLength(2);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(199);
    await task.close();
  });

  it('runNow waits for the run in progress, runs, rethrows, and does not lose a wake made meanwhile', async () => {
    const g = gatedRun();
    let fail = true;
    const task = new SerialTask({
      run: async () => {
        await g.run();
        if (fail) {
          fail = false;
          throw new Error('once');
        }
      },
      onError: () => undefined,
    });
    g.hold();
    const first = task.runNow();
    await eventually(async () => (g.state.runs === 1 ? true : undefined), 'runNow to start');
    task.wake();
    g.release();
    await expect(first).rejects.toThrow('once');
    await eventually(async () => (g.state.runs === 2 ? true : undefined), 'the wake made during runNow');
    expect(g.state.maxActive).toBe(1);
    await task.close();
  });

  it('close() waits for the run in progress and refuses new ones', async () => {
    const g = gatedRun();
    g.hold();
    const task = new SerialTask({ run: g.run, onError: () => undefined });
    task.wake();
    await eventually(async () => (g.state.runs === 1 ? true : undefined), 'the run');
    let closed = false;
    const closing = task.close().then(() => { closed = true; });
    await new Promise((r) => setTimeout(r, 10));
    expect(closed).toBe(false);
    g.release();
    await closing;
    task.wake();
    await task.runNow();
    expect(g.state.runs).toBe(1);
  });
});
