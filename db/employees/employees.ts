import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "../users/users.ts";

export const employeeStatuses = [
  "none",
  "provisioning",
  "running",
  "stopping",
  "stopped",
  "unhealthy",
  "restarting",
  "error",
  "removing",
] as const;
export type EmployeeStatus = (typeof employeeStatuses)[number];

// D1 mirrors each employee for listing and plan counting; the employee's Durable Object owns the
// lifecycle and is the source of truth for status while it runs.
export const employees = sqliteTable(
  "employees",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    role: text("role").notNull(),
    tone: text("tone").notNull(),
    skills: text("skills", { mode: "json" }).$type<string[]>().notNull(),
    status: text("status", { enum: employeeStatuses }).notNull().default("none"),
    statusReason: text("status_reason"),
    // The step in progress while provisioning or restarting, for the launch animation.
    step: text("step"),
    nodeId: text("node_id"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("employees_user_id").on(t.userId)],
);
