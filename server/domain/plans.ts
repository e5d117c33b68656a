export const PLANS = ['FREE', 'ENTRY', 'PRO'] as const;
export type Plan = (typeof PLANS)[number];

export interface PlanTerms {
  plan: Plan;
  /** Price per 30-day period, in cents. */
  priceCents: number;
  aliasLimit: number;
  storageQuotaBytes: number;
}

const MB = 1024 * 1024;
const GB = 1024 * MB;

/** The defaults of domain.md; PLAN_TERMS (JSON) overrides any of them without a code change. */
const DEFAULT_TERMS: Record<Plan, PlanTerms> = {
  FREE: { plan: 'FREE', priceCents: 0, aliasLimit: 0, storageQuotaBytes: 500 * MB },
  ENTRY: { plan: 'ENTRY', priceCents: 250, aliasLimit: 10, storageQuotaBytes: 5 * GB },
  PRO: { plan: 'PRO', priceCents: 750, aliasLimit: 50, storageQuotaBytes: 20 * GB },
};

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function loadPlanTerms(json: string | undefined): Record<Plan, PlanTerms> {
  if (!json) return DEFAULT_TERMS;
  const parsed: unknown = JSON.parse(json);
  const terms = { ...DEFAULT_TERMS };
  for (const plan of PLANS) {
    const override: unknown = (parsed as Record<string, unknown>)[plan];
    if (override === undefined) continue;
    const merged = { ...terms[plan], ...(override as Partial<PlanTerms>), plan };
    if (
      !isNonNegativeInteger(merged.priceCents) ||
      !isNonNegativeInteger(merged.aliasLimit) ||
      !isNonNegativeInteger(merged.storageQuotaBytes)
    ) {
      throw new Error(`PLAN_TERMS.${plan} needs non-negative integers, got ${JSON.stringify(override)}`);
    }
    terms[plan] = merged;
  }
  return terms;
}

export const planTerms = loadPlanTerms(process.env.PLAN_TERMS);

/** The admin console is open to master accounts whose owner pays for ENTRY or PRO. */
export function hasConsoleAccess(ownerPlan: Plan): boolean {
  return ownerPlan !== 'FREE';
}
