import { describe, expect, it } from 'vitest';
import { lookBackFrom } from '../../../lib/jfs-proxy/stream-position.ts';

const NOW_S = 1_800_000_000;
const NOW_MS = NOW_S * 1000;

describe('lookBackFrom', () => {
  it("reads back from now on Redis's clock when the newest entry is older", () => {
    expect(lookBackFrom([String(NOW_S), '0'], `${NOW_MS - 3_600_000}-4`, 2000)).toBe(NOW_MS - 2000);
    // Microseconds count (to the ms, floored).
    expect(lookBackFrom([String(NOW_S), '250999'], `${NOW_MS - 60_000}-0`, 2000)).toBe(
      NOW_MS + 250 - 2000,
    );
  });

  it('reads back from the newest entry when the clock is behind it (a lagging replica) or unknown', () => {
    const newest = `${NOW_MS}-0`;
    expect(lookBackFrom([String(NOW_S - 3600), '0'], newest, 2000)).toBe(NOW_MS - 2000);
    expect(lookBackFrom(null, newest, 2000)).toBe(NOW_MS - 2000);
    for (const garbage of [['1e30', '0'], ['', ''], ['100', '0'], ['x', 'y'], ['-5', '0'], []]) {
      expect(lookBackFrom(garbage, newest, 2000)).toBe(NOW_MS - 2000);
    }
  });

  it("reads back from now when the newest entry's id is not a time", () => {
    expect(lookBackFrom([String(NOW_S), '0'], 'garbage', 2000)).toBe(NOW_MS - 2000);
  });

  it('is null (nothing read again) when neither is a time', () => {
    expect(lookBackFrom(null, 'garbage', 2000)).toBeNull();
    expect(lookBackFrom(['x', 'y'], '1e40-0', 2000)).toBeNull();
    expect(lookBackFrom(null, '1000-0', 2000)).toBeNull();
  });
});
