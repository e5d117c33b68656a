import { builder } from '../builder.js';
import './errors.js';
import './plans.js';
import './users.js';
import './tokens.js';
import './accounts.js';
import './masterAccount.js';
import './audit.js';
import './domains.js';
import './aliases.js';
import './billing.js';
import './groups.js';

export const schema = builder.toSchema({ sortSchema: true });
