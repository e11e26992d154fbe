import * as z from "zod/mini";

// A file of the knowledge base as the API lists it (GET /api/knowledge, /api/employees/:id/knowledge).
export const KnowledgeFileView = z.object({
  id: z.string(),
  name: z.string(),
  size: z.number(),
  contentType: z.string(),
  scope: z.enum(["employee", "team"]),
  createdAt: z.string(),
});
export type KnowledgeFileView = z.infer<typeof KnowledgeFileView>;

// One file of the employee's memory (MEMORY.md, memory/*.md), read from its workspace through
// its node (GET /api/employees/:id/memory). The agent sends it in this shape (frames.ts MemoryFile).
export const MemoryFileView = z.object({
  path: z.string(),
  content: z.string(),
  size: z.number(),
  truncated: z.boolean(),
  modifiedAt: z.nullable(z.number()),
});
export type MemoryFileView = z.infer<typeof MemoryFileView>;
