import { describe, expect, it } from 'vitest';
import { runBilling } from '../server/domain/billing.js';
import { decodeId, items, PASSWORD, startApp, unique } from './harness.js';

const app = await startApp();

const ACCOUNT = `{ viewer { masterAccount {
  balance { amount minorUnits currency } lowBalance monthlyCost { amount } runway { days }
  ledger(first: 100) { totalCount edges { node { kind amount { minorUnits } balanceAfter { minorUnits } } } }
} } }`;

describe("the seed's billing example", () => {
  it('deposit 50.00, three ENTRY accounts, a renewal 30 days later', async () => {
    const tenant = await app.signUp({ deposit: null });
    const deposit = await app.gql(
      `mutation ($input: AddDepositInput!) { addDeposit(input: $input) {
        __typename ... on AddDepositSuccess { ledgerEntry { kind amount { amount } } masterAccount { balance { amount } } } } }`,
      { input: { amount: '50.00', idempotencyKey: unique('key') } },
      tenant.token,
    );
    expect(deposit.data.addDeposit.masterAccount.balance.amount).toBe('50.00');

    for (let i = 0; i < 3; i++) {
      const created = await app.gql(
        `mutation ($input: CreateUserInput!) { createUser(input: $input) {
          __typename ... on CreateUserSuccess { ledgerEntry { kind amount { amount } balanceAfter { amount } } } } }`,
        { input: { address: `${unique('u')}@mailadmin.test`, displayName: 'U', password: PASSWORD, plan: 'ENTRY' } },
        tenant.token,
      );
      expect(created.data.createUser.ledgerEntry.amount.amount).toBe('-2.50');
    }
    let account = (await app.gql(ACCOUNT, {}, tenant.token)).data.viewer.masterAccount;
    expect(account.balance).toEqual({ amount: '42.50', minorUnits: 4250, currency: 'EUR' });
    expect(account.monthlyCost.amount).toBe('7.50');

    const only = { masterAccountIds: [decodeId(tenant.masterAccountId)] };
    const result = await runBilling(app.database.db, new Date(Date.now() + 30 * 24 * 60 * 60 * 1000 + 60_000), only);
    expect(result.charged).toBe(3);
    account = (await app.gql(ACCOUNT, {}, tenant.token)).data.viewer.masterAccount;
    expect(account.balance.amount).toBe('35.00');

    const entries = items(account.ledger.edges).map((edge) => edge.node).reverse();
    expect(entries.map((entry) => entry.kind)).toEqual(['DEPOSIT', 'CHARGE', 'CHARGE', 'CHARGE', 'CHARGE', 'CHARGE', 'CHARGE']);
    let running = 0;
    for (const entry of entries) {
      running += Number(entry.amount.minorUnits);
      expect(entry.balanceAfter.minorUnits).toBe(running);
    }
    expect(running).toBe(3500);

    // Running it again for the same instant charges nothing more.
    const again = await runBilling(app.database.db, new Date(Date.now() + 30 * 24 * 60 * 60 * 1000 + 60_000), only);
    account = (await app.gql(ACCOUNT, {}, tenant.token)).data.viewer.masterAccount;
    expect(account.balance.amount).toBe('35.00');
    expect(again.charged).toBe(0);
  });
});
