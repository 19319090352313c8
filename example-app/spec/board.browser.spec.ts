// The call board in real headless Chromium (playwright-core): a simulated call appears, moves from ringing to in
// conversation to finished, the screen-pop shows the caller; then a busy board is saved as a screenshot
// (spec/artifacts/board.png; to docs/board.png, the README's picture, with UPDATE_SCREENSHOT=1).

import './built';

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildScenario } from 'myoperator-webhooks/testing';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

import { runCli, startExample, TOKEN_HEADER, type RunningExample } from './helpers';

const CHROMIUM = '/usr/bin/chromium';
// npm test leaves tracked files alone: the README's picture is replaced only when asked.
const SCREENSHOT =
  process.env.UPDATE_SCREENSHOT === '1'
    ? join(__dirname, '..', '..', 'docs', 'board.png')
    : join(__dirname, '..', '..', 'spec', 'artifacts', 'board.png');

jest.setTimeout(120_000);

let running: RunningExample;
let context: BrowserContext;
let page: Page;
let profile: string;
/** Requests the page made to anything but the app: there must be none (no CDN, no network). */
const outside: string[] = [];

beforeAll(async () => {
  running = await startExample();
  profile = mkdtempSync(join(tmpdir(), 'myoperator-chromium-'));
  // A persistent context on a fresh profile directory: nothing from another run, nothing left behind.
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
  });
  page = await context.newPage();
  page.on('request', (request) => {
    if (!request.url().startsWith(running.base)) outside.push(request.url());
  });
});

afterAll(async () => {
  await context.close();
  await running.stop();
  rmSync(profile, { recursive: true, force: true });
});

const card = (column: string, uid: string): string =>
  `[data-testid="column-${column}"] [data-testid="call-card"][data-uid="${uid}"]`;

describe('the call board', () => {
  it('shows a call ringing, then answered (with a screen-pop of the caller), then finished', async () => {
    await page.goto(running.base);
    await page.waitForSelector('[data-testid="live-status"][data-state="live"]');
    await page.waitForSelector('[data-testid="getting-started"]:not([hidden])');

    const expected = buildScenario('answered', { index: 0 });
    const played = runCli([
      'simulate',
      'answered',
      '--url',
      running.webhook,
      '--header',
      TOKEN_HEADER,
      '--delay',
      '1200',
    ]);

    const ringing = await page.waitForSelector('[data-testid="column-ringing"] [data-testid="call-card"]');
    const uid = (await ringing.getAttribute('data-uid'))!;
    expect(uid).toMatch(/^n2\.\d+\.\d+$/);
    expect(await page.getAttribute(`${card('ringing', uid)} [data-testid="call-caller"]`, 'data-e164')).toBe(
      expected.caller,
    );
    expect(await ringing.innerText()).toContain('New lead');

    await page.waitForSelector(card('in-conversation', uid));
    expect(await page.textContent(`${card('in-conversation', uid)} [data-testid="call-agent"]`)).toContain(
      'Talking with',
    );
    expect(await page.$(card('ringing', uid))).toBeNull();

    const pop = page.locator('[data-testid="screen-pop"]');
    await pop.waitFor({ state: 'visible' });
    expect(await pop.getAttribute('data-uid')).toBe(uid);
    const caller = pop.getByTestId('screen-pop-caller');
    expect(await caller.getAttribute('data-e164')).toBe('+919711636496');
    expect(await caller.innerText()).toBe('+91 97116 36496');
    expect(await pop.getByTestId('screen-pop-lead').innerText()).toContain('Lead #1');
    expect(await pop.getByTestId('screen-pop-agent').innerText()).toContain('+91 85868 48544');

    const finished = page.locator(`${card('finished', uid)}[data-outcome="answered"]`);
    await finished.waitFor();
    expect(await page.$(card('in-conversation', uid))).toBeNull();
    const ring = expected.expected.ringSeconds;
    const talk = expected.expected.talkSeconds!;
    expect(await finished.getByTestId('call-ring').innerText()).toBe(`Ring 0:${String(ring).padStart(2, '0')}`);
    expect(await finished.getByTestId('call-talk').innerText()).toBe(
      `Talk ${Math.floor(talk / 60)}:${String(talk % 60).padStart(2, '0')}`,
    );
    // The after-call log names the agent.
    await finished.getByTestId('call-agent').filter({ hasText: 'Answered by Sumit' }).waitFor();

    expect((await played).code).toBe(0);
    expect(await page.textContent('[data-testid="stat-webhooks"]')).toBe('5');
    expect(await page.textContent('[data-testid="stat-leads"]')).toBe('1');
  });

  it('lists the call in the history and its lead in the leads view', async () => {
    await page.getByTestId('tab-history').click();
    const row = page.getByTestId('history-row');
    await row.waitFor();
    expect(await row.innerText()).toContain('+91 97116 36496');
    expect(await row.innerText()).toContain('Answered');
    expect(await page.getByTestId('view-board').isHidden()).toBe(true);

    await page.getByTestId('tab-leads').click();
    const lead = page.getByTestId('lead-row');
    await lead.waitFor();
    expect(await lead.getAttribute('data-phone')).toBe('+919711636496');
    await page.getByTestId('tab-board').click();
  });

  it('keeps up with many calls at once (and saves a screenshot of the busy board)', async () => {
    const auth = ['--url', running.webhook, '--header', TOKEN_HEADER];
    // A dozen calls of every kind, all at once, for the finished column and the history...
    const burst = await runCli(['simulate', 'all', ...auth, '--calls', '2', '--concurrency', '12', '--delay', '200']);
    expect(burst.code).toBe(0);
    // ...then calls slow enough to be caught ringing and in conversation: answered at 8 s, missed ringing to 12 s.
    const answered = runCli(['simulate', 'answered', ...auth, '--calls', '3', '--concurrency', '3', '--delay', '4000']);
    const missed = runCli(['simulate', 'missed', ...auth, '--calls', '2', '--concurrency', '2', '--delay', '6000']);

    // Evaluated in the page (a string, so that this file needs no DOM types).
    const count = (id: string): string => `Number(document.querySelector('[data-testid="${id}"]').textContent)`;
    await page.waitForFunction(
      `${count('count-ringing')} === 2 && ${count('count-in-conversation')} === 3 && ` +
        `!document.querySelector('[data-testid="screen-pop"]').hidden`,
      undefined,
      { timeout: 30_000, polling: 100 },
    );
    expect(Number(await page.textContent('[data-testid="count-finished"]'))).toBeGreaterThanOrEqual(13);
    // Let the entry animations settle, and the live timers tick, before the picture.
    await page.waitForTimeout(2000);
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });

    expect([(await answered).code, (await missed).code]).toEqual([0, 0]);
    await page.waitForFunction(
      `${count('count-ringing')} === 0 && ${count('count-in-conversation')} === 0`,
      undefined,
      {
        timeout: 30_000,
      },
    );
    expect(await page.textContent('[data-testid="count-finished"]')).toBe('18');
    expect(await page.textContent('[data-testid="stat-calls"]')).toBe('18');
  });

  it('loads everything from the app itself: no CDN, no other host', () => {
    expect(outside).toEqual([]);
  });
});
