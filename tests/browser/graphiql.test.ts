import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIL_DOMAIN, PASSWORD, unique } from '../harness.js';
import { startServer, type ServerProcess } from '../process.js';

/*
 * GraphiQL as a person uses it, in Debian's chromium (`npm run test:browser`; not part of
 * `npm test`, since a machine may have no browser). Everything the page loads must come from our
 * server: requests anywhere else are refused and listed, so a CDN dependency fails the test.
 */

let server: ServerProcess;
let browser: Browser;
let dataDir: string;

beforeAll(async () => {
  // An embedded database of its own, so the test needs nothing but the browser.
  dataDir = mkdtempSync(join(tmpdir(), 'mailadmin-graphiql-test-'));
  server = await startServer({ DATA_DIR: dataDir, DATABASE_URL: '' });
  browser = await chromium.launch({
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
  });
});

afterAll(async () => {
  await browser?.close();
  server?.child.kill('SIGTERM');
  await server?.exited;
  rmSync(dataDir, { recursive: true, force: true });
});

async function signUp(): Promise<{ token: string; address: string }> {
  const address = `${unique('graphiql')}@${MAIL_DOMAIN}`;
  const { body } = await server.post(
    `mutation ($input: SignUpInput!) { signUp(input: $input) { __typename ... on SignUpSuccess { token } } }`,
    { input: { organizationName: unique('org'), ownerAddress: address, ownerDisplayName: 'Ada', password: PASSWORD, plan: 'ENTRY' } },
  );
  const token = body.data.signUp?.token;
  if (typeof token !== 'string') throw new Error(`signUp failed: ${JSON.stringify(body)}`);
  return { token, address };
}

async function description(type: string, field?: string): Promise<string> {
  const { body } = await server.post(`query ($name: String!) { __type(name: $name) { description fields { name description } } }`, {
    name: type,
  });
  const found = body.data.__type as { description: string; fields: { name: string; description: string }[] };
  const text = field ? found.fields.find((candidate) => candidate.name === field)?.description : found.description;
  if (!text) throw new Error(`no description of ${type}${field ? `.${field}` : ''}`);
  return text;
}

describe('GraphiQL at /graphql', () => {
  it('runs the Viewer query with a token from the Headers pane, and documents the schema', async () => {
    const { token, address } = await signUp();
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const elsewhere: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(server.url)) return route.continue();
      elsewhere.push(url);
      return route.abort();
    });

    await page.goto(`${server.url}/graphql`);
    const operation = page.locator('.graphiql-query-editor .monaco-editor');
    await operation.waitFor({ timeout: 30_000 });
    expect(await page.title()).toBe('mailadmin API');

    await page.getByRole('button', { name: 'Headers' }).click();
    const headers = page.locator('.monaco-editor[data-uri$="headers.json"]');
    await headers.click();
    await page.keyboard.press('ControlOrMeta+A');
    // insertText, not typing: the editor would add its own closing brackets to typed ones.
    await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${token}` }));

    await operation.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.insertText('query Viewer { viewer { user { address displayName } } }');

    // The editors hand their text to GraphiQL after a short pause; until then a run would send
    // the previous text, so the run is repeated until the answer is there.
    const execute = page.getByRole('button', { name: /Execute query/ });
    const response = page.locator('.graphiql-response');
    await expect
      .poll(
        async () => {
          // The pane wraps long lines, so the text is compared without its white space.
          const text = (await response.innerText()).replace(/\s+/g, '');
          if (!text.includes('"data"')) await execute.click();
          return text;
        },
        { timeout: 30_000, interval: 1_000 },
      )
      .toContain(`{"data":{"viewer":{"user":{"address":"${address}","displayName":"Ada"}}}}`);

    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.getByText('Query', { exact: true }).click();
    await expect.poll(() => docs.innerText()).toContain(await description('Query', 'viewer'));
    await docs.getByText('Viewer', { exact: true }).first().click();
    await expect.poll(() => docs.innerText()).toContain(await description('Viewer'));

    expect(elsewhere).toEqual([]);
    await page.close();
  });
});
