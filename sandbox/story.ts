/**
 * The story `npm start` tells, on the virtual clock: the seeded workspace; a sweep in report mode and
 * its plan; the grace period passing; a sweep in delete mode and the worker deleting what it enqueued;
 * an `Agent Removed` event whose last secret is still in use, deferred, and deleted on retry once the
 * agent lets go; bad requests refused with their reasons; and every secret's fate.
 */
import type { Output } from '#cli/output.ts';
import { METRIC_BY_OUTCOME, OUTCOMES } from '#core/outcomes.ts';
import type { Mark } from '#core/ports.ts';
import { attemptPolicy } from '#core/process-deletion.ts';
import { type InventoryItem, listInventory } from '#core/sweep-inventory.ts';
import type { SweepSummary } from '#core/sweep-run.ts';
import { publishAgentRemoved, RequestValidationError, requestSecretDeletion } from '#producer/index.ts';
import type { LogEntry } from '#sandbox/collector.ts';
import { clockText, decisionOf, describeEntry, holdersOf } from '#sandbox/story-view.ts';
import type { SecretKind } from '#sandbox/workspace-seed.ts';
import { HOUR, MINUTE, START, SWEEP_EVERY_MS, SWEEP_TIMING, type World } from '#sandbox/world.ts';
import type { SweepMode } from '#shared/config.ts';

export interface StoryResult {
  /** Secrets whose fate is not the one their kind calls for (empty when the janitor did its job). */
  readonly unexpected: readonly string[];
  readonly deleted: number;
  readonly kept: number;
}

const KIND_WORDS: Record<SecretKind, string> = {
  stale: 'unused, under a janitor prefix',
  agent: 'held by an agent',
  tool: 'held by a tool',
  phone_number: 'held by a phone number',
  unknown_holder: 'held by an agent the key cannot see (unknown)',
  has_more: 'more holders than listed (*_has_more)',
  env_variable: 'referenced only by a secret-type environment variable',
  not_owned: 'outside the janitor prefixes',
  protected: 'unused, but a protected id',
  agent_removed: 'held by the agent "Support bot", removed later',
  picked_up_in_grace: 'unused, then picked up during the grace period',
  picked_up_at_delete: 'unused, then picked up between plan and DELETE',
};

/** The fate each kind must end in: deleted (and by what), or kept. */
const EXPECTED_DELETION: Partial<Record<SecretKind, 'sweep' | 'event'>> = { stale: 'sweep', agent_removed: 'event' };

export async function tellStory(world: World, out: Output): Promise<StoryResult> {
  const { simulator, workspace, collector } = world;
  const names = new Map(workspace.secrets.map((secret) => [secret.secretId, secret.name]));
  const nameOf = (id: unknown) => names.get(String(id)) ?? String(id);
  const heading = (title: string) => out.line(`\n== ${title} ==\n`);
  /** Story events that happen between worker invocations, shown in time order with the worker's lines. */
  const notes: LogEntry[] = [];
  const note = (secretId: string, what: string) =>
    notes.push({ at: world.clock.now(), level: 'info', message: 'note', fields: { secretId, what } });

  async function inventory(prefixes: readonly string[]): Promise<readonly InventoryItem[]> {
    const policy = attemptPolicy(world.workerConfig);
    const listed = await listInventory(prefixes, world.sweepApi, policy, world.clock.now() + 60_000);
    if (!listed.ok) throw new Error(`could not read the workspace: ${listed.reason}`);
    return listed.secrets;
  }

  async function sweep(mode: SweepMode): Promise<{ summary: SweepSummary; marksBefore: Map<string, Mark> }> {
    const marksBefore = new Map(world.marks.marks);
    const summary = await world.sweep(mode);
    if (summary.status !== 'completed' || !summary.plan) {
      throw new Error(`the ${mode} sweep did not complete: ${summary.status} ${summary.reason ?? ''}`.trim());
    }
    return { summary, marksBefore };
  }

  function workerTable(entries: readonly LogEntry[]) {
    // A note before the worker's lines of the same moment: it happened first.
    const rows = [...notes.splice(0), ...entries]
      .sort((a, b) => a.at - b.at)
      .map((entry) => {
        const id = entry.fields.secretId;
        const what = entry.message === 'note' ? String(entry.fields.what) : describeEntry(entry);
        return [clockText(entry.at), id === undefined ? '(the event)' : nameOf(id), what];
      });
    out.table(['Time', 'Secret', 'What happened'], rows);
  }

  // 1. The workspace.
  heading('The workspace');
  const envVariables = simulator.environmentVariables.size;
  out.line(
    `ElevenLabs simulator on ${simulator.baseUrl}: ${workspace.secrets.length} secrets, ${envVariables} environment variables.`,
  );
  out.line(
    `The janitor owns the prefixes ${workspace.prefixes.join(', ')}; its grace period is ${SWEEP_TIMING.gracePeriodHours} h.`,
  );
  const byKind = new Map<SecretKind, number>();
  for (const secret of workspace.secrets) byKind.set(secret.kind, (byKind.get(secret.kind) ?? 0) + 1);
  out.table(
    ['Secrets', 'Count'],
    [...byKind].map(([kind, n]) => [KIND_WORDS[kind], n]),
  );

  // 2. A sweep in report mode.
  heading(`${clockText(world.clock.now())}  Sweep, report mode: the plan`);
  const owned = await inventory(workspace.prefixes);
  const report = await sweep('report');
  const reportConfig = world.sweepConfig('report');
  const planRows = owned.map((item) => [
    item.name,
    holdersOf(item),
    decisionOf(item, report.summary.plan as NonNullable<SweepSummary['plan']>, report.marksBefore, START, reportConfig),
  ]);
  planRows.sort((a, b) => String(a[2]).localeCompare(String(b[2])) || String(a[0]).localeCompare(String(b[0])));
  out.table(['Secret', 'Holders', 'Decision'], planRows);
  const plan = report.summary.plan;
  out.line(
    `Listed ${plan?.inventorySize}, owned ${plan?.owned}, unused ${plan?.unused}: ${plan?.newlyMarked.length} marked, ${plan?.due.length} due. Report mode enqueues nothing.`,
  );

  // 3. The grace period passes: a run every 30 minutes, still in report mode.
  heading(`The grace period passes (${SWEEP_TIMING.gracePeriodHours} h, a run every ${SWEEP_EVERY_MS / MINUTE} min)`);
  const { pickedUpInGrace, pickedUpAtDelete, removedAgent } = workspace;
  world.timeline.schedule(START + 45 * MINUTE, () => {
    simulator.markInUse(pickedUpInGrace.secretId, pickedUpInGrace.holder.id, pickedUpInGrace.holder.name);
    out.line(
      `${clockText(world.clock.now())}  agent "${pickedUpInGrace.holder.name}" starts using ${nameOf(pickedUpInGrace.secretId)}`,
    );
  });
  for (let at = START + SWEEP_EVERY_MS; at < START + SWEEP_TIMING.gracePeriodHours * HOUR; at += SWEEP_EVERY_MS) {
    await world.waitUntil(at);
    const { summary } = await sweep('report');
    const p = summary.plan;
    const unmarked = p?.unmarked.map((u) => `${nameOf(u.secretId)} (${u.reason})`).join(', ');
    out.line(
      `${clockText(at)}  report run: ${p?.writes.length} marked, ${p?.due.length} due${unmarked ? `; unmarked ${unmarked}` : ''}`,
    );
  }

  // 4. A sweep in delete mode, and the worker.
  await world.waitUntil(START + SWEEP_TIMING.gracePeriodHours * HOUR);
  heading(`${clockText(world.clock.now())}  Sweep, delete mode`);
  out.line('The plan looked right, so the operator sets "mode": "delete".');
  const marksBefore = new Map(world.marks.marks);
  const ownedNow = await inventory(workspace.prefixes);
  const deletion = await sweep('delete');
  const due = new Set(deletion.summary.plan?.due.map((mark) => mark.secretId));
  out.table(
    ['Secret', 'Unused since', 'Decision'],
    ownedNow
      .filter((item) => due.has(item.secretId))
      .map((item) => [
        item.name,
        clockText(marksBefore.get(item.secretId)?.firstSeenUnusedAt ?? 0),
        decisionOf(
          item,
          deletion.summary.plan as NonNullable<SweepSummary['plan']>,
          marksBefore,
          world.clock.now(),
          world.sweepConfig('delete'),
        ),
      ]),
  );
  out.line(`${deletion.summary.plan?.due.length} due, ${deletion.summary.enqueued} enqueued with origin "sweep".`);
  simulator.secrets.get(pickedUpAtDelete.secretId)?.used_by.tools.push({
    type: 'available',
    id: pickedUpAtDelete.holder.id,
    name: pickedUpAtDelete.holder.name,
    created_at_unix_secs: Math.floor(world.clock.now() / 1000),
    access_level: 'admin',
  });
  note(
    pickedUpAtDelete.secretId,
    `tool "${pickedUpAtDelete.holder.name}" starts using it, after the plan and before the DELETE`,
  );
  collector.takeNew();
  await world.drain();
  workerTable(collector.takeNew().filter((entry) => entry.fields.outcome !== undefined));

  // 5. Agent Removed: one secret is still in use, deferred, and deleted on retry.
  await world.waitUntil(Math.max(world.clock.now(), START + SWEEP_TIMING.gracePeriodHours * HOUR + 5 * MINUTE));
  heading(`${clockText(world.clock.now())}  Agent Removed`);
  const lingering = removedAgent.lingering;
  out.line(
    `The application deletes the agent "${removedAgent.name}" and publishes Agent Removed for its ${removedAgent.secretIds.length} secrets.`,
  );
  out.line(`Its teardown is not finished: the agent still holds ${nameOf(lingering)}.`);
  for (const id of removedAgent.secretIds) if (id !== lingering) simulator.releaseHolder(id, removedAgent.id);
  world.timeline.schedule(world.clock.now() + 150_000, () => {
    simulator.releaseHolder(lingering, removedAgent.id);
    note(lingering, `the agent "${removedAgent.name}" lets go of it`);
  });
  await publishAgentRemoved(
    { agentId: removedAgent.id, secretIds: [...removedAgent.secretIds], reason: 'agent deleted by its owner' },
    world.producer.bus,
  );
  await world.drain();
  workerTable(collector.takeNew().filter((entry) => entry.fields.outcome !== undefined));

  // 6. Bad requests.
  await world.waitUntil(Math.max(world.clock.now(), START + SWEEP_TIMING.gracePeriodHours * HOUR + 10 * MINUTE));
  heading(`${clockText(world.clock.now())}  Bad requests`);
  const requests: [string, string][] = [];
  await requestSecretDeletion({ secretIds: [workspace.protectedId], reason: 'cleanup script' }, world.producer.queue);
  requests.push([workspace.protectedId, `a cleanup script asks to delete ${nameOf(workspace.protectedId)}`]);
  const heldByAgent = workspace.secrets.find((secret) => secret.kind === 'agent');
  if (heldByAgent) {
    world.queue.send(JSON.stringify({ secretId: heldByAgent.secretId, origin: 'sweep', reason: 'looks stale to me' }));
    requests.push([heldByAgent.secretId, `a hand-written "sweep" message for ${heldByAgent.name}`]);
  }
  world.queue.send(JSON.stringify({ secretId: 'sec_typo', colour: 'red' }));
  requests.push(['', 'a message with a field the janitor does not know']);
  const rows: string[][] = [];
  try {
    await requestSecretDeletion({ secretIds: ['../../etc/passwd'] }, world.producer.queue);
  } catch (error) {
    if (!(error instanceof RequestValidationError)) throw error;
    rows.push([
      'requestSecretDeletion with the id "../../etc/passwd"',
      `refused by the producer: ${error.message.replaceAll(', received', ',\nreceived')}`,
    ]);
  }
  collector.takeNew();
  await world.drain();
  const answers = collector.takeNew().filter((entry) => entry.fields.outcome !== undefined);
  for (const [secretId, what] of requests) {
    const answer = answers.find((entry) =>
      secretId ? entry.fields.secretId === secretId : entry.fields.secretId === undefined,
    );
    rows.push([what, answer ? describeEntry(answer) : 'no answer']);
  }
  out.table(['Request', 'Answer'], rows);
  const inDlq = world.dlq.messages();
  out.line(
    `The DLQ holds ${inDlq.length} message${inDlq.length === 1 ? '' : 's'}, each with its reason in the failureReason attribute: ${inDlq.map((m) => m.messageAttributes.failureReason?.StringValue?.split(':')[0]).join(', ')}.`,
  );

  // 7. Every secret's fate.
  heading(`${clockText(world.clock.now())}  Every secret's fate`);
  const remaining = new Map((await inventory([''])).map((item) => [item.secretId, item]));
  const deletedBy = new Map<string, LogEntry>();
  const skippedAtDelete = new Set<string>();
  for (const entry of collector.entries) {
    if (entry.message === 'deleted') deletedBy.set(String(entry.fields.secretId), entry);
    if (entry.message === 'in_use_skipped') skippedAtDelete.add(String(entry.fields.secretId));
  }
  const unexpected: string[] = [];
  const fates = workspace.secrets.map((secret) => {
    const item = remaining.get(secret.secretId);
    const deleted = deletedBy.get(secret.secretId);
    const via = deleted?.fields.origin === 'sweep' ? 'sweep' : deleted?.fields.agentId ? 'event' : undefined;
    let fate: string;
    if (!item && deleted) {
      fate = `deleted at ${clockText(deleted.at)} ${via === 'sweep' ? 'by the sweep' : `after Agent Removed (attempt ${deleted.fields.attempt})`}`;
    } else if (!item) fate = 'gone, but not deleted by the janitor';
    else if (!workspace.prefixes.some((prefix) => secret.name.startsWith(prefix))) fate = 'kept: not owned';
    else if (secret.secretId === workspace.protectedId) fate = 'kept: protected id';
    else if (holdersOf(item)) {
      fate = `kept: ${skippedAtDelete.has(secret.secretId) ? 'in use at DELETE, ' : ''}${holdersOf(item)}`;
    } else fate = 'kept: unused, not yet due';
    if ((EXPECTED_DELETION[secret.kind] ?? 'kept') !== (item ? 'kept' : via)) unexpected.push(secret.name);
    return { secret, fate, deleted: !item };
  });
  fates.sort((a, b) => Number(b.deleted) - Number(a.deleted) || a.fate.localeCompare(b.fate));
  out.table(
    ['Secret', 'Id', 'Fate'],
    fates.map(({ secret, fate }) => [secret.name, secret.secretId, fate]),
  );
  const deleted = fates.filter((f) => f.deleted).length;
  const countRows = OUTCOMES.flatMap((outcome) => {
    const n = collector.counts.get(METRIC_BY_OUTCOME[outcome]) ?? 0;
    return n > 0 ? [[outcome, n]] : [];
  });
  out.table(['Worker outcome', 'Records'], countRows);
  out.line(
    `${deleted} deleted, ${fates.length - deleted} kept; queue ${world.queue.size}, DLQ ${world.dlq.size}; ${clockText(world.clock.now())} of virtual time.`,
  );
  return { unexpected, deleted, kept: fates.length - deleted };
}
