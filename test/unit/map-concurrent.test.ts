import { describe, expect, it } from 'vitest';
import { mapConcurrent } from '../../src/map-concurrent';

describe('mapConcurrent', () => {
  it('keeps the order of the items and never runs more than the concurrency at once', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapConcurrent([5, 1, 4, 2, 3, 0], 2, async (item, index) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, item));
      inFlight -= 1;
      return `${index}:${item}`;
    });
    expect(results).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3', '5:0']);
    expect(most).toBe(2);
  });

  it('returns at once for no items', async () => {
    expect(await mapConcurrent([], 4, () => Promise.reject(new Error('never called')))).toEqual([]);
  });

  it('rejects with the first failure', async () => {
    await expect(
      mapConcurrent([1, 2, 3], 3, async (item) => {
        if (item === 2) throw new Error('item 2 failed');
        return item;
      }),
    ).rejects.toThrow('item 2 failed');
  });

  it.each([0, 1.5, Number.NaN])('refuses a concurrency of %d, naming it', async (concurrency) => {
    await expect(mapConcurrent([1], concurrency, async (item) => item)).rejects.toThrow(/^concurrency: /);
  });
});
