import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowSearchUrl, workflowUrl } from '../../src/cli/links.ts';
import { releaseWorkflowId } from '../../src/domain/release/ref.ts';
import { appRelease } from '../support/release-specs.ts';
import { ReleaseHarness } from '../support/releases.ts';
import { stackEnv, waitFor } from '../support/stack.ts';

const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const ui = { TEMPORAL_UI_URL: stackEnv.TEMPORAL_UI_URL };
const h = new ReleaseHarness();
let userDataDir = '';
let browser: BrowserContext;
let page: Page;

beforeAll(async () => {
  await h.start('ui');
  await mkdir(artifacts, { recursive: true });
  // Debian's Chromium, headless, in a profile of its own that nothing else has touched.
  userDataDir = await mkdtemp(join(tmpdir(), 'rollguard-chromium-'));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1440, height: 900 },
  });
  page = browser.pages()[0] ?? (await browser.newPage());
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  await h.stop();
});

describe('the Temporal Web UI', () => {
  it("finds a Release's workflow by its search attributes and shows it at the link `rollguard status` prints", async () => {
    // Given a Release rolled out by its workflow
    await h.apply(appRelease('web', { image: 'example/web:v1', replicas: 2 }));
    const ready = await h.waitForStatus('web', 'Ready');
    const workflowId = releaseWorkflowId(h.ref(ready));

    // When the workflow list is searched for the Release by name and namespace
    const search = workflowSearchUrl('default', `ReleaseName="web" AND ReleaseNamespace="${h.namespace}"`, ui);
    const row = page.locator(`a[href*="${encodeURIComponent(workflowId)}"]`).first();
    // Visibility lags behind the workflow a little: reload until the row is listed.
    await waitFor(
      'the workflow to be listed in the Temporal UI',
      async () => {
        await page.goto(search, { waitUntil: 'domcontentloaded' });
        await row.waitFor({ state: 'visible', timeout: 5000 });
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );

    // Then its row is there, and it is the only one
    expect(await page.getByText(workflowId, { exact: true }).count()).toBe(1);
    expect(await page.getByText('1 Workflow', { exact: true }).isVisible()).toBe(true);
    await page.screenshot({ path: join(artifacts, 'temporal-ui-release-search.png'), fullPage: true });

    // And the link the CLI prints opens that workflow
    await page.goto(workflowUrl('default', workflowId, ui), { waitUntil: 'domcontentloaded' });
    await expect.poll(() => page.getByText(workflowId).first().isVisible(), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => page.getByText('releaseWorkflow').first().isVisible(), { timeout: 30_000 }).toBe(true);
    await page.screenshot({ path: join(artifacts, 'temporal-ui-release-workflow.png'), fullPage: true });
  });
});
