// The simulator's progress bar and progress line: count/total, percentage, rate and ETA, fitted to the terminal.

import { formatProgressBar, formatProgressLine } from '../../lib/cli/report';

describe('formatProgressBar()', () => {
  it('shows count/total, the percentage, the rate and the ETA after a bar filled in proportion', () => {
    expect(formatProgressBar({ done: 50, total: 200, notOk: 0, elapsedMs: 5000 }, 100)).toBe(
      `[${'#'.repeat(10)}${'-'.repeat(30)}] 50/200 requests  25%  10/s  ETA 15 s`,
    );
  });

  it('counts the answers that were not 2xx, and gives long ETAs in minutes and hours', () => {
    expect(formatProgressBar({ done: 100, total: 10_000, notOk: 3, elapsedMs: 10_000 }, 120)).toMatch(
      /^\[-{40}\] 100\/10000 requests {2}1% {2}10\/s {2}ETA 16:30 {2}3 not 2xx$/,
    );
    expect(formatProgressBar({ done: 1, total: 10_000, notOk: 0, elapsedMs: 2000 }, 120)).toContain('ETA 5:33:18');
  });

  it('shows a slow rate with a decimal, and no ETA before the first answer', () => {
    expect(formatProgressBar({ done: 3, total: 8, notOk: 0, elapsedMs: 2500 }, 100)).toContain('1.2/s  ETA 4 s');
    expect(formatProgressBar({ done: 0, total: 8, notOk: 0, elapsedMs: 2500 }, 100)).toContain('0.0/s  ETA ?');
  });

  it('fits a narrow terminal: a shorter bar, and never a line as wide as the terminal', () => {
    const state = { done: 1234, total: 9000, notOk: 12, elapsedMs: 3000 };
    for (const columns of [40, 60, 80]) {
      expect(formatProgressBar(state, columns).length).toBeLessThan(columns);
    }
    expect(formatProgressBar(state, 80)).toMatch(/^\[[#-]{10,}\] 1234\/9000 requests/);
  });
});

describe('formatProgressLine()', () => {
  it('says the same in one plain line, with the time elapsed', () => {
    expect(formatProgressLine({ done: 1200, total: 9000, notOk: 0, elapsedMs: 2900 })).toBe(
      '... 1200/9000 requests, 414/s, ETA 19 s, 2.9 s',
    );
  });
});
