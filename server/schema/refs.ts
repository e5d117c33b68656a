import type { ApiTokenRow, AuditEventRow, MasterAccountRow } from '../context.js';
import type { AliasRow } from '../domain/aliases.js';
import type { LedgerEntryRow } from '../domain/billing.js';
import type { DomainRow } from '../domain/domains.js';
import type { GroupRow, ResourceRow } from '../domain/groups.js';
import type { UserRow } from '../domain/users.js';
import { builder } from '../builder.js';

// Declared apart from their fields so that areas can point at each other without import cycles.
export const UserRef = builder.objectRef<UserRow>('User');
export const MasterAccountRef = builder.objectRef<MasterAccountRow>('MasterAccount');
export const ApiTokenRef = builder.objectRef<ApiTokenRow>('ApiToken');
export const AuditEventRef = builder.objectRef<AuditEventRow>('AuditEvent');
export const DomainRef = builder.objectRef<DomainRow>('Domain');
export const AliasRef = builder.objectRef<AliasRow>('Alias');
export const LedgerEntryRef = builder.objectRef<LedgerEntryRow>('LedgerEntry');
export const GroupRef = builder.objectRef<GroupRow>('Group');
export const SharedResourceRef = builder.objectRef<ResourceRow>('SharedResource');
