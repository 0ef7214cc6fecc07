import { describe, expect, it } from 'vitest';
import { leaseAvailable } from '../../../src/controller/lease.ts';

describe('who may take the controller lease', () => {
  const held = { holderIdentity: 'a', leaseDurationSeconds: 15 };

  it('a free lease, or one we hold, is ours', () => {
    expect(leaseAvailable({}, 'b', 0, 0)).toBe(true);
    expect(leaseAvailable(held, 'a', 0, 0)).toBe(true);
  });

  it('a standby waits a full lease duration after it last saw the holder renew', () => {
    expect(leaseAvailable(held, 'b', 1000, 1000 + 14_999)).toBe(false);
    expect(leaseAvailable(held, 'b', 1000, 1000 + 15_000)).toBe(true);
  });
});
