import { builder } from '../builder.js';
import { money, type Money } from '../domain/money.js';
import { PLANS, planTerms, type PlanTerms } from '../domain/plans.js';

export const PlanEnum = builder.enumType('Plan', {
  description: 'The subscription of a user account; prices and limits are in `planPrices`.',
  values: {
    FREE: { description: 'No charge; no aliases, 500 MB, and no admin console for an owner.' },
    ENTRY: { description: 'The entry paid plan (2.50 EUR per 30 days by default).' },
    PRO: { description: 'The full paid plan (7.50 EUR per 30 days by default).' },
  } satisfies Record<(typeof PLANS)[number], { description: string }>,
});

export const MoneyType = builder.objectRef<Money>('Money').implement({
  description: 'An amount of money, exact to the cent.',
  fields: (t) => ({
    amount: t.expose('amount', { type: 'Decimal', description: 'The amount as a decimal string, such as "2.50".' }),
    minorUnits: t.exposeInt('minorUnits', { description: 'The amount in cents (minor units), such as 250.' }),
    currency: t.exposeString('currency', { description: 'The ISO 4217 currency code; always EUR.' }),
  }),
});

const PlanPrice = builder.objectRef<PlanTerms>('PlanPrice').implement({
  description: 'What a plan costs and includes.',
  fields: (t) => ({
    plan: t.expose('plan', { type: PlanEnum, description: 'The plan.' }),
    price: t.field({ type: MoneyType, description: 'The price of 30 days, charged in advance.', resolve: (terms) => money(terms.priceCents) }),
    aliasLimit: t.exposeInt('aliasLimit', { description: 'How many aliases each user on this plan may have.' }),
    storageQuotaBytes: t.float({
      description: 'The mailbox storage of a user on this plan, in bytes.',
      resolve: (terms) => terms.storageQuotaBytes,
    }),
  }),
});

builder.queryField('planPrices', (t) =>
  t.field({
    type: [PlanPrice],
    description: 'The plans on offer with their prices and limits; open to everyone.',
    resolve: () => PLANS.map((plan) => planTerms[plan]),
  }),
);
