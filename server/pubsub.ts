import { createPubSub } from 'graphql-yoga';
import type { LedgerEntryRow, MoneyEvents, NoticeRow } from './domain/billing.js';

/**
 * Events pushed to subscribers, by master account. In-process for now: subscribers on one
 * replica hear what happened on that replica (and what the billing timer there did).
 */
export function createEvents() {
  return createPubSub<{
    ledgerEntryAdded: [masterAccountId: string, entry: LedgerEntryRow];
    lowBalance: [masterAccountId: string, notice: NoticeRow];
  }>();
}
export type Events = ReturnType<typeof createEvents>;

/** Publishes what a committed money move produced. */
export function publishMoneyEvents(events: Events, moved: MoneyEvents): void {
  for (const entry of moved.entries) events.publish('ledgerEntryAdded', entry.masterAccountId, entry);
  for (const notice of moved.notices) events.publish('lowBalance', notice.masterAccountId, notice);
}
