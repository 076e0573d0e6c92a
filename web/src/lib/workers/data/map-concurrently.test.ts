import { describe, expect, it } from 'vitest';
import { mapConcurrently } from './map-concurrently';

/** Tasks that finish only when the test says so, recording which ones started. */
function gatedTasks() {
  const started: number[] = [];
  const finish = new Map<number, (value: number) => void>();
  const task = (item: number) =>
    new Promise<number>((resolve) => {
      started.push(item);
      finish.set(item, resolve);
    });
  return { started, task, finish: (item: number) => finish.get(item)!(item * 10) };
}

describe('mapConcurrently', () => {
  it('starts the first tasks at the call, before anything is iterated', () => {
    const { started, task } = gatedTasks();
    mapConcurrently([1, 2, 3, 4], () => 2, new AbortController().signal, task);
    expect(started).toEqual([1, 2]);
  });

  it('yields results as they finish and fills the slots up to a limit that grows', async () => {
    const { started, task, finish } = gatedTasks();
    let limit = 1;
    const results = mapConcurrently([1, 2, 3, 4, 5], () => limit, new AbortController().signal, task);
    expect(started).toEqual([1]);
    finish(1);
    expect((await results.next()).value).toBe(10);
    limit = 3;
    const second = results.next(); // resuming fills the freed slot and the two more the larger limit allows
    expect(started).toEqual([1, 2, 3, 4]);
    finish(3);
    expect((await second).value).toBe(30);
    const third = results.next();
    expect(started).toEqual([1, 2, 3, 4, 5]);
    finish(2);
    finish(4);
    finish(5);
    const rest = [(await third).value as number];
    for (let r = await results.next(); !r.done; r = await results.next()) rest.push(r.value);
    expect(rest.sort((a, b) => a - b)).toEqual([20, 40, 50]);
  });

  it('starts nothing more once the signal is aborted', async () => {
    const { started, task, finish } = gatedTasks();
    const controller = new AbortController();
    const results = mapConcurrently([1, 2, 3], () => 1, controller.signal, task);
    finish(1);
    expect((await results.next()).value).toBe(10);
    controller.abort();
    expect((await results.next()).done).toBe(true);
    expect(started).toEqual([1]);
  });
});
