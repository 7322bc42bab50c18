/**
 * The kinds of value a setting can hold. Each kind is one valibot schema plus what the three layers
 * need around it: how to read it from an environment variable, how to write it into one, and how
 * to say what is wrong with a bad value. `settings.ts` declares every setting with one of these.
 */
import * as v from 'valibot';

/** What is wrong with a value: the whole value (`must …`), or one entry of a list. */
export type Problem = { readonly must: string } | { readonly entry: string; readonly expected: string };

export interface Kind<T> {
  /** The Type column of docs/configuration.md. */
  readonly type: string;
  /** The Allowed column of docs/configuration.md. */
  readonly allowed: string;
  /** The value's schema; the `janitor` context schema is built from these. */
  readonly schema: v.GenericSchema<T>;
  /** Smallest and largest value of a whole-number kind. */
  readonly range?: { readonly min: number; readonly max: number };
  /** Why a value is refused, or undefined. */
  check(value: unknown): Problem | undefined;
  /** The value an environment variable's (trimmed, non-empty) text stands for; `check` judges it. */
  fromEnv(text: string): unknown;
  /** The environment variable's text for a value. */
  toEnv(value: T): string;
  /** The phrase after "must" in an environment variable's error, when it differs from `check`'s. */
  readonly envMust?: string;
  /** Applied to an accepted value read from the environment (e.g. a URL loses its trailing "/"). */
  normalize?(value: T): T;
}

const scalar = <T>(
  schema: v.GenericSchema<T>,
  must: string,
  rest: Omit<Kind<T>, 'schema' | 'check' | 'toEnv'> & { toEnv?: (value: T) => string },
): Kind<T> => ({
  schema,
  check: (value) => (v.is(schema, value) ? undefined : { must }),
  toEnv: (value) => String(value),
  ...rest,
});

/** A whole number from `min` to `max`. */
export function wholeNumber(min: number, max: number): Kind<number> {
  return scalar(
    v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max)),
    `be a whole number from ${min} to ${max}`,
    {
      type: 'integer',
      allowed: `${min.toLocaleString('en')}–${max.toLocaleString('en')}`,
      range: { min, max },
      fromEnv: (text) => (/^-?\d+$/.test(text) ? Number(text) : text),
    },
  );
}

/** `true` or `false`; in an environment variable exactly the text "true" or "false". */
export function flag(): Kind<boolean> {
  return scalar(v.boolean(), 'be true or false', {
    type: 'boolean',
    allowed: '`true`, `false`',
    envMust: 'be "true" or "false"',
    fromEnv: (text) => (text === 'true' ? true : text === 'false' ? false : text),
  });
}

/** One of a fixed list of words. */
export function oneOf<const T extends string>(values: readonly [T, ...T[]]): Kind<T> {
  return scalar(v.picklist(values), `be one of ${values.map((value) => JSON.stringify(value)).join(', ')}`, {
    type: values.map((value) => `\`${value}\``).join(' | '),
    allowed: values.map((value) => `\`${value}\``).join(', '),
    fromEnv: (text) => text,
  });
}

/**
 * A string; `problem` returns the phrase after "must" for a bad one (by default: an empty one).
 * `allowed` describes a good one for the docs.
 */
export function text(
  allowed: string,
  problem: (value: string) => string | undefined = (value) => (value.length > 0 ? undefined : 'be non-empty'),
  options: { readonly type?: string; readonly normalize?: (value: string) => string } = {},
): Kind<string> {
  return {
    type: options.type ?? 'string',
    allowed,
    schema: v.pipe(
      v.string(),
      v.check((value) => problem(value) === undefined),
    ),
    check(value) {
      if (typeof value !== 'string') return { must: 'be a string' };
      const must = problem(value);
      return must === undefined ? undefined : { must };
    },
    fromEnv: (value) => value,
    toEnv: (value) => value,
    ...(options.normalize ? { normalize: options.normalize } : {}),
  };
}

/** A string matching `pattern`, described by `allowed` ("a letter, then …"). */
export function matching(pattern: RegExp, allowed: string): Kind<string> {
  return text(allowed, (value) => (pattern.test(value) ? undefined : `be ${allowed}`));
}

/**
 * A list of strings; in an environment variable a comma-separated list (blanks dropped), so no
 * entry may hold a comma. `entryProblem` names what is wrong with one entry. With `empty`, an
 * empty list is refused with that phrase.
 */
export function list(
  expected: string,
  entryProblem: (entry: string) => boolean,
  options: { readonly empty?: string } = {},
): Kind<readonly string[]> {
  const entry = v.pipe(
    v.string(),
    v.check((value) => !value.includes(',') && !entryProblem(value)),
  );
  const schema = options.empty ? v.pipe(v.array(entry), v.minLength(1)) : v.array(entry);
  return {
    type: 'string[]; env: comma list',
    allowed: `${options.empty ? 'at least one; ' : ''}each ${expected}`,
    schema,
    check(value) {
      if (!Array.isArray(value)) return { must: 'be a list of strings' };
      const bad = value.find((item) => !v.is(entry, item));
      if (bad !== undefined) {
        return typeof bad === 'string' ? { entry: bad, expected } : { must: 'be a list of strings' };
      }
      return options.empty && value.length === 0 ? { must: options.empty } : undefined;
    },
    fromEnv: (value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    toEnv: (value) => value.join(','),
  };
}

/** A construct prop the janitor passes on without checking (a topic, a bus, a log retention). */
export function opaque<T>(type: string, allowed = '—'): Kind<T> {
  return {
    type,
    allowed,
    schema: v.any() as v.GenericSchema<T>,
    check: () => undefined,
    fromEnv: (value) => value,
    toEnv: (value) => String(value),
  };
}

/** A value with a schema of its own (such as a list of objects); the first issue says what is wrong. */
export function structured<T>(type: string, allowed: string, schema: v.GenericSchema<T>): Kind<T> {
  return {
    type,
    allowed,
    schema,
    check(value) {
      const result = v.safeParse(schema, value);
      if (result.success) return undefined;
      const issue = result.issues[0];
      const path = issue ? v.getDotPath(issue) : null;
      return { must: `be ${allowed} (${path ? `${path}: ` : ''}${issue?.message ?? 'invalid'})` };
    },
    fromEnv: (value) => value,
    toEnv: (value) => JSON.stringify(value),
  };
}

/** A value as the user wrote it, short enough for a one-line error. */
export function shown(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 80 ? `${json.slice(0, 80)}…` : json;
}

/** The one-line error for a refused value. `shown` is the value as the user wrote it. */
export function problemMessage(name: string, problem: Problem, shown: string): string {
  return 'entry' in problem
    ? `${name} has an invalid entry ${JSON.stringify(problem.entry)}: expected ${problem.expected}`
    : `${name} must ${problem.must}, received ${shown}`;
}
