import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSdk } from './sdk-build.js';

/**
 * Misuse of the SDK is a compile error: small programs written against the built package
 * (sdk/dist) are checked by `tsc --noEmit --strict`, and the wrong ones must fail on the right line.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const sdk = join(root, 'sdk', 'dist', 'index.js');
const dir = mkdtempSync(join(tmpdir(), 'mailadmin-sdk-types-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(buildSdk, 120_000);

/** Runs `npx tsc --noEmit --strict` on one file, as an ES module program. */
function tsc(file: string): Promise<{ code: number; output: string }> {
  const args = ['tsc', '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--lib', 'es2023,dom', '--types', 'node', file];
  return new Promise((resolve) => {
    execFile('npx', args, { cwd: root }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: stdout + stderr });
    });
  });
}

/** Writes a program into the temp directory; `body` lines follow a shared prelude. */
function program(name: string, body: string[]): { file: string; lineOf(marker: string): number } {
  const lines = [
    `import { createClient, graphql, NodeDocument, type CreateUserInput } from ${JSON.stringify(sdk)};`,
    `const client = createClient({ url: 'http://127.0.0.1:4000/graphql', token: 'mas_example' });`,
    ...body,
  ];
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  return {
    file,
    lineOf(marker) {
      const index = lines.findIndex((line) => line.includes(marker));
      if (index < 0) throw new Error(`no line with ${marker}`);
      return index + 1;
    },
  };
}

const input = `{ address: 'ada@mailadmin.test', displayName: 'Ada', plan: 'ENTRY', password: 'correct horse battery' }`;
const members = [
  'AddressReservedError',
  'AddressTakenError',
  'CreateUserSuccess',
  'DomainNotVerifiedError',
  'ForbiddenError',
  'InsufficientFundsError',
  'NotFoundError',
  'UpgradeRequiredError',
  'ValidationError',
];

/** An exhaustive switch over createUser's result, with a `never` check in its default branch. */
function exhaustiveSwitch(handled: string[]): string[] {
  return [
    `export async function describeResult(): Promise<string> {`,
    `  const result = await client.createUser(${input});`,
    `  switch (result.__typename) {`,
    `    case 'CreateUserSuccess':`,
    `      return result.user.address + (result.ledgerEntry?.amount.amount ?? '');`,
    ...handled.filter((member) => member !== 'CreateUserSuccess').map((member) => `    case '${member}':`),
    `      return result.code + ': ' + result.message;`,
    `    default: {`,
    `      const unhandled: never = result; // never-check`,
    `      return unhandled;`,
    `    }`,
    `  }`,
    `}`,
  ];
}

describe('the SDK types, checked by tsc --strict against sdk/dist', () => {
  it('accept a correct program', async () => {
    const correct = program('correct', [
      ...exhaustiveSwitch(members),
      `export async function rest(): Promise<number> {`,
      `  const fields: CreateUserInput = ${input};`,
      `  const created = await client.createUser({ ...fields, role: 'ADMIN', kind: 'PERSON' });`,
      `  if (created.__typename === 'InsufficientFundsError') return created.required.minorUnits;`,
      `  let count = 0;`,
      `  for await (const user of client.paginate(client.users, { first: 50, filter: { plan: 'ENTRY' } })) count += user.aliases.length;`,
      `  const node = await client.request(NodeDocument, { id: 'x' });`,
      `  if (node.node?.__typename === 'User') count += node.node.aliasLimit;`,
      `  const mine = graphql<{ viewer: { user: { address: string } } | null }>('query Me { viewer { user { address } } }');`,
      `  count += (await client.request(mine)).viewer?.user.address.length ?? 0;`,
      `  const deposit = await client.addDeposit({ amount: '10.00' });`,
      `  if (deposit.__typename === 'AddDepositSuccess') count += deposit.masterAccount.balance.minorUnits;`,
      `  for await (const entry of client.subscribe.ledgerEntryAdded()) return count + entry.amount.minorUnits;`,
      `  return count;`,
      `}`,
    ]);
    const result = await tsc(correct.file);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 60_000);

  it('reject a wrong input field to createUser, on that line', async () => {
    const wrong = program('wrong-field', [
      `export async function create() {`,
      `  return client.createUser({`,
      `    address: 'ada@mailadmin.test',`,
      `    displayName: 'Ada',`,
      `    plan: 'ENTRY',`,
      `    nickname: 'ada', // wrong field`,
      `  });`,
      `}`,
    ]);
    const result = await tsc(wrong.file);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain(`wrong-field.ts(${wrong.lineOf('// wrong field')},`);
    expect(result.output).toMatch(/error TS2353: .*'nickname' does not exist in type 'CreateUserInput'/);
    expect(result.output.match(/error TS/g)).toHaveLength(1);
  }, 60_000);

  it('reject an exhaustive switch that misses a member of the result union', async () => {
    const missing = program('missing-member', exhaustiveSwitch(members.filter((member) => member !== 'ValidationError')));
    const result = await tsc(missing.file);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain(`missing-member.ts(${missing.lineOf('// never-check')},`);
    expect(result.output).toMatch(/error TS2322: Type '\{ __typename: "ValidationError";[^']*' is not assignable to type 'never'/);
    expect(result.output.match(/error TS/g)).toHaveLength(1);
  }, 60_000);

  it('reject a request without the variables its operation requires', async () => {
    const missing = program('missing-variables', [`export const node = client.request(NodeDocument); // no variables`]);
    const result = await tsc(missing.file);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain(`missing-variables.ts(${missing.lineOf('// no variables')},`);
    expect(result.output).toMatch(/error TS2554: Expected 2 arguments, but got 1/);
  }, 60_000);

  it('accept the onboarding example, which uses only client methods', async () => {
    const result = await tsc(join(root, 'sdk', 'examples', 'onboard.ts'));
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 60_000);

  it('accept the second-factor example, whose switches over logIn and completeLogIn are exhaustive', async () => {
    const result = await tsc(join(root, 'sdk', 'examples', 'second-factor.ts'));
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 60_000);

  it("reject a switch over logIn's result that forgets SecondFactorRequired", async () => {
    const missing = program('missing-second-factor', [
      `export async function signIn(): Promise<string> {`,
      `  const result = await client.logIn({ address: 'ada@mailadmin.test', password: 'correct horse battery' });`,
      `  switch (result.__typename) {`,
      `    case 'LogInSuccess':`,
      `      return result.token;`,
      `    case 'InvalidCredentialsError':`,
      `    case 'ForbiddenError':`,
      `    case 'RateLimitedError':`,
      `      return result.message;`,
      `    default: {`,
      `      const unhandled: never = result; // never-check`,
      `      return unhandled;`,
      `    }`,
      `  }`,
      `}`,
    ]);
    const result = await tsc(missing.file);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain(`missing-second-factor.ts(${missing.lineOf('// never-check')},`);
    expect(result.output).toMatch(/error TS2322: Type '\{ __typename: "SecondFactorRequired";[^']*' is not assignable to type 'never'/);
  }, 60_000);
});
