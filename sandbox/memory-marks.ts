/**
 * The sweep's marks table in memory: the `MarksStore` port with the semantics of
 * `adapters/marks-table.ts` (unmark, then mark, then audit; one claim per run id), and every audit kept
 * in order so the sandbox can show what the sweep and the worker decided.
 */
import type { AuditRecord, Mark, MarksStore } from '#core/ports.ts';

export interface MemoryMarks extends MarksStore {
  readonly marks: ReadonlyMap<string, Mark>;
  readonly audits: readonly AuditRecord[];
}

export function createMemoryMarks(): MemoryMarks {
  const marks = new Map<string, Mark>();
  const audits: AuditRecord[] = [];
  const runs = new Set<string>();
  return {
    marks,
    audits,
    async readAll() {
      return new Map(marks);
    },
    async get(secretId) {
      return marks.get(secretId);
    },
    async apply(changes) {
      for (const secretId of changes.deletes) marks.delete(secretId);
      for (const mark of changes.puts) marks.set(mark.secretId, { ...mark });
      audits.push(...changes.audits);
    },
    async clear(secretId, audit) {
      marks.delete(secretId);
      audits.push(audit);
    },
    async claimRun(runId) {
      if (runs.has(runId)) return false;
      runs.add(runId);
      return true;
    },
  };
}
