// The API's shapes as the app uses them (../shared/API.md and the README's additions).
export type EmployeeStatus =
  | "none"
  | "provisioning"
  | "running"
  | "stopping"
  | "stopped"
  | "unhealthy"
  | "restarting"
  | "error"
  | "removing";

export interface Employee {
  id: string;
  name: string;
  role: string;
  tone: string;
  skills: string[];
  status: EmployeeStatus;
  statusReason: string | null;
  step: string | null;
  node: string | null;
  createdAt: string;
  updatedAt: string;
  /** In the list only: this month's AI usage. */
  usageThisMonth?: { promptTokens: number; completionTokens: number; costCents: number };
}

export interface Plan {
  id: "trial" | "starter" | "pro" | "business";
  name: string;
  priceCentsPerMonth: number;
  currency: string;
  maxEmployees: number;
  trialDays: number;
  includes: string[];
}

export interface Catalogue {
  plans: Plan[];
  roles: { id: string; name: string; description: string; defaultSkills: string[] }[];
  skills: { id: string; name: string; description: string }[];
  tones: { id: string; name: string; description: string }[];
}

export interface Subscription {
  plan: Exclude<Plan["id"], "trial">;
  status: string;
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  pastDueSince: string | null;
  graceEndsAt: string | null;
}

export interface Me {
  user: { id: string; email: string; name: string | null };
  plan: Plan["id"];
  trialEndsAt: string;
  subscription: Subscription | null;
  billingNotice: string | null;
  billingConfigured: boolean;
  limits: { maxEmployees: number; llmBudgetCentsPerMonth: number };
  usage: {
    employees: number;
    llmCostCentsThisMonth: number;
    llmTokensThisMonth: number;
    llmBudgetUsedPercent: number;
    llmBudgetWarning: boolean;
    chatViews: { used: number; limit: number } | null;
  };
}

export const TRANSITIONAL: EmployeeStatus[] = [
  "provisioning",
  "stopping",
  "restarting",
  "removing",
  "unhealthy",
];

export interface KnowledgeFile {
  id: string;
  name: string;
  size: number;
  contentType: string;
  scope: "employee" | "team";
  createdAt: string;
}

export interface MemoryFile {
  path: string;
  content: string;
  size: number;
  truncated: boolean;
  modifiedAt: number | null;
}
