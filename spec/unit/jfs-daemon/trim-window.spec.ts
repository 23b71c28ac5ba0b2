import { describe, expect, it } from 'vitest';
import { TrimWindow } from '../../../lib/jfs-daemon/trim-window.ts';

describe('TrimWindow', () => {
  it('keeps every entry until maxLen changes are written', () => {
    const window = new TrimWindow(10);
    for (let i = 0; i < 9; i++) expect(window.append(1)).toBe(10);
  });

  it('bounds to the newest entries that hold maxLen changes, however large the last ones are', () => {
    const window = new TrimWindow(10);
    for (let i = 0; i < 8; i++) window.append(1);
    // 8 singles then 3 changes: the newest 8 entries hold 10.
    expect(window.append(3)).toBe(8);
    // A burst of 20 alone holds them all.
    expect(window.append(20)).toBe(1);
    expect(window.append(1)).toBe(2);
  });

  it('counts an empty entry (a marker) as one change, and stays bounded in memory', () => {
    const window = new TrimWindow(5);
    expect(window.append(0)).toBe(5);
    let bound = 0;
    for (let i = 0; i < 10_000; i++) bound = window.append(1);
    expect(bound).toBe(5);
  });
});
