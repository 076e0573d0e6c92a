import { describe, expect, it } from 'vitest';
import { CountedWork } from '../../src/lib/engine/counted-work';

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('CountedWork', () => {
  it('idle() settles at once when nothing runs, and after the last work and hold end', async () => {
    const work = new CountedWork();
    await work.idle();
    let finish!: () => void;
    const running = work.run(() => new Promise<string>((resolve) => (finish = () => resolve('done'))));
    const release = work.hold();
    expect(work.count).toBe(2);
    let idle = false;
    void work.idle().then(() => (idle = true));
    finish();
    expect(await running).toBe('done');
    await tick();
    expect(idle).toBe(false);
    release();
    release();
    await tick();
    expect(idle).toBe(true);
    expect(work.count).toBe(0);
  });

  it('counts work that fails as ended', async () => {
    const work = new CountedWork();
    await expect(work.run(() => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(work.count).toBe(0);
    await work.idle();
  });
});
