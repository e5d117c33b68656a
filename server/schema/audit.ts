import { builder } from '../builder.js';
import { globalIdOf } from './ids.js';
import { viewerNodes } from '../context.js';
import { isAdmin } from '../domain/viewer.js';
import { AuditEventRef, UserRef } from './refs.js';

builder.node(AuditEventRef, {
  description: 'One change to a master account: who did what to which object, and when.',
  id: { resolve: (event) => event.id },
  loadMany: (ids, context) =>
    // The audit log is for the owner and administrators; to others its events do not exist.
    context.viewer && isAdmin(context.viewer)
      ? viewerNodes(context, AuditEventRef, (loaders) => loaders.auditEvent, ids)
      : ids.map(() => null),
  fields: (t) => ({
    action: t.exposeString('action', { description: 'What was done, such as "user.create" or "api_token.revoke".' }),
    actor: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who did it; null when that user has since been deleted.',
      resolve: (event, _args, context) =>
        event.actorId ? context.loaders(event.masterAccountId).user.load(event.actorId) : null,
    }),
    targetId: t.id({
      nullable: true,
      description: 'The global ID of the object changed; it may no longer exist.',
      resolve: (event) => (event.targetType && event.targetId ? globalIdOf(event.targetType, event.targetId) : null),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it happened.' }),
    details: t.expose('details', {
      type: 'JSON',
      nullable: true,
      description: 'What changed, such as {"from": "ENTRY", "to": "PRO"}; never secrets.',
    }),
  }),
});
