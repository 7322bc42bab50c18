import * as v from 'valibot';
import { sweepTimingProblem } from '#infra/sweep-rules.ts';
import { ConfigError } from '#shared/errors.ts';
import { type Kind, problemMessage, shown } from '#shared/setting-kinds.ts';
import { SETTINGS, type Setting } from '#shared/settings.ts';

type Settings = typeof SETTINGS;
type ValueOf<S> = S extends { readonly kind: Kind<infer T> } ? T : never;
/** The context keys declared under `prefix` (no deeper), with their values. */
type Keyed<Prefix extends string> = {
  readonly [K in keyof Settings as Settings[K] extends { readonly context: `${Prefix}${infer Key}` }
    ? Key extends `${string}.${string}`
      ? never
      : Key
    : never]?: ValueOf<Settings[K]>;
};

/** The `janitor` object of the cdk.json context (or `-c janitor='{…}'`), as declared in settings.ts. */
export type JanitorContext = Keyed<''> & {
  readonly stackName: string;
  readonly sweep?: Keyed<'sweep.'> & { readonly prefixes: readonly string[] };
};

const SWEEP = 'sweep.';
const contextual = (Object.values(SETTINGS) as Setting[]).filter((setting) => setting.context !== undefined);
const byKey = new Map(contextual.map((setting) => [setting.context ?? '', setting]));

/** A setting without a prop gets its default here: no construct applies it later. */
function entry(setting: Setting) {
  if (setting.required) return setting.kind.schema;
  return setting.prop === undefined && 'default' in setting
    ? v.optional(setting.kind.schema, setting.default)
    : v.optional(setting.kind.schema);
}

const entries = (settings: readonly Setting[], strip: string) =>
  Object.fromEntries(settings.map((setting) => [(setting.context ?? '').slice(strip.length), entry(setting)]));

/** Derived from the declarations: every key with a `context` name, `sweep.*` keys inside `sweep`. */
export const JanitorContextSchema = v.strictObject({
  ...entries(
    contextual.filter((setting) => !setting.context?.startsWith(SWEEP)),
    '',
  ),
  sweep: v.optional(
    v.strictObject(
      entries(
        contextual.filter((setting) => setting.context?.startsWith(SWEEP)),
        SWEEP,
      ),
    ),
  ),
});

const allowedKeys = (prefix: string) =>
  [...byKey.keys()]
    .filter((key) => (prefix ? key.startsWith(prefix) : !key.startsWith(SWEEP)))
    .map((key) => key.slice(prefix.length))
    .concat(prefix ? [] : ['sweep'])
    .join(', ');

/** One line naming the key as the user wrote it, the value and what is allowed. */
function describeIssue(issue: v.BaseIssue<unknown>): string {
  const keys = (issue.path ?? []).map((item) => String(item.key));
  for (let length = keys.length; length > 0; length -= 1) {
    const key = keys.slice(0, length).join('.');
    const setting = byKey.get(key);
    if (!setting) continue;
    const value = issue.path?.[length - 1]?.value;
    if (value === undefined) return `${key} is required (${setting.required ?? setting.description}), received nothing`;
    const problem = setting.kind.check(value);
    if (problem) return problemMessage(key, problem, shown(value));
  }
  const key = keys.join('.');
  if (issue.expected === 'never') {
    const parent = keys.length > 1 ? `${keys.slice(0, -1).join('.')}.` : '';
    return `unknown key ${JSON.stringify(key)} in context "janitor"; allowed${parent ? ` in ${parent.slice(0, -1)}` : ''}: ${allowedKeys(parent)}`;
  }
  return `${key || 'context "janitor"'} must be a JSON object, received ${shown(issue.input)}`;
}

/** The context value; a JSON string (from `-c janitor=...`) is parsed first. */
function contextValue(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw ?? {};
  try {
    return JSON.parse(raw);
  } catch (cause) {
    throw new ConfigError(`context "janitor" must be a JSON object, received ${shown(raw)}`, { cause });
  }
}

/**
 * Validates the context value (a JSON string from `-c janitor=...` is parsed first) against the
 * declarations, then the rules between settings. Every error is one line that names the key.
 */
export function parseJanitorContext(raw: unknown, from?: Date): JanitorContext {
  const value = contextValue(raw);
  const notObject = (input: unknown) => typeof input !== 'object' || input === null || Array.isArray(input);
  if (notObject(value)) throw new ConfigError(`context "janitor" must be a JSON object, received ${shown(value)}`);
  const sweepValue = (value as { sweep?: unknown }).sweep;
  if (sweepValue !== undefined && notObject(sweepValue)) {
    throw new ConfigError(`sweep must be a JSON object, received ${shown(sweepValue)}`);
  }
  const result = v.safeParse(JanitorContextSchema, value, { abortEarly: true });
  if (!result.success) throw new ConfigError(describeIssue(result.issues[0] as v.BaseIssue<unknown>));
  const context = result.output as JanitorContext;
  if ((context.apiKeySecretName === undefined) === (context.apiKeySecretArn === undefined)) {
    throw new ConfigError('set exactly one of apiKeySecretName or apiKeySecretArn in context "janitor"');
  }
  const { sweep } = context;
  if (sweep) {
    const problem = sweepTimingProblem(
      {
        schedule: sweep.schedule ?? SETTINGS.sweepSchedule.default,
        timeZone: sweep.timeZone ?? SETTINGS.sweepTimeZone.default,
        gracePeriodHours: sweep.gracePeriodHours ?? SETTINGS.gracePeriodHours.default,
        maxObservationGapHours: sweep.maxObservationGapHours ?? SETTINGS.maxObservationGapHours.default,
      },
      'context',
      from,
    );
    if (problem) throw new ConfigError(problem);
  }
  return context;
}

/** The app's janitors: the single-janitor context, or one per entry of `workspaces`. */
export interface JanitorAppContext {
  readonly stackName: string;
  readonly janitors: readonly JanitorContext[];
}

/** Keys that belong to the stack, not to one janitor: set them beside `workspaces`, not in an entry. */
const STACK_KEYS = ['stackName', 'alarmEmail', 'workspace', 'workspaces'] as const;
const KEY_KEYS = ['apiKeySecretName', 'apiKeySecretArn'] as const;

/**
 * Reads the `janitor` context. Beside today's single-janitor form it accepts
 * `workspaces: [{ name, apiKeySecretName | apiKeySecretArn, baseUrl, … }]`: every other key at the top
 * is shared by all entries, an entry's own keys win, and `name` becomes the janitor's `workspace`.
 * Each entry is then checked exactly like a single-janitor context, its errors prefixed with its name.
 */
export function parseJanitorApp(raw: unknown, from?: Date): JanitorAppContext {
  const value = contextValue(raw);
  const record = value as Record<string, unknown>;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !('workspaces' in record)) {
    const single = parseJanitorContext(value, from);
    return { stackName: single.stackName, janitors: [single] };
  }
  const { workspaces, ...shared } = record;
  if (!Array.isArray(workspaces) || workspaces.length === 0) {
    throw new ConfigError(
      `workspaces must be a non-empty list of {name, apiKeySecretName or apiKeySecretArn, …}, received ${shown(workspaces)}`,
    );
  }
  if ('workspace' in shared) {
    throw new ConfigError('set workspace in each workspaces entry (as name), not beside workspaces');
  }
  const names = new Set<string>();
  const janitors = workspaces.map((entry, index) => {
    const where = `workspaces[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new ConfigError(`${where} must be a JSON object, received ${shown(entry)}`);
    }
    const { name, ...own } = entry as Record<string, unknown>;
    if (typeof name !== 'string')
      throw new ConfigError(`${where}.name is required (the workspace name), received ${shown(name)}`);
    if (names.has(name))
      throw new ConfigError(`${where}.name ${JSON.stringify(name)} is used twice; each workspace has one janitor`);
    names.add(name);
    for (const key of STACK_KEYS) {
      if (key in own)
        throw new ConfigError(
          `${where} (${JSON.stringify(name)}): ${key} is set for the whole stack, beside workspaces`,
        );
    }
    // An entry that names its own key replaces the shared one, whichever form either uses.
    const base = KEY_KEYS.some((key) => key in own)
      ? Object.fromEntries(Object.entries(shared).filter(([key]) => !(KEY_KEYS as readonly string[]).includes(key)))
      : shared;
    try {
      return parseJanitorContext({ ...base, ...own, workspace: name }, from);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw new ConfigError(`${where} (${JSON.stringify(name)}): ${error.message}`, { cause: error });
    }
  });
  return { stackName: (janitors[0] as JanitorContext).stackName, janitors };
}
