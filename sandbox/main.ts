/**
 * `npm start`: the janitor's main job on one machine, with no account. Starts the ElevenLabs
 * simulator on loopback with a seeded workspace, runs the real worker handler and sweep on a local
 * queue with a virtual clock, tells what happens, and stops everything it started.
 */
import { randomBytes } from 'node:crypto';
import { Command, InvalidArgumentError } from 'commander';
import { createOutput } from '#cli/output.ts';
import { tellStory } from '#sandbox/story.ts';
import { MAX_SIZE, MIN_SIZE } from '#sandbox/workspace-seed.ts';
import { createWorld } from '#sandbox/world.ts';
import { redact } from '#shared/redact.ts';

const DEFAULT_SEED = 20261126;
const DEFAULT_SIZE = 40;
/** Virtual seconds per real second: the 2 h grace period passes in about 4 s. */
const DEFAULT_SPEED = 1800;
const MAX_SPEED = 1_000_000;

function wholeNumber(flag: string, min: number, max: number) {
  return (raw: string) => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
      throw new InvalidArgumentError(`${flag} must be a whole number from ${min} to ${max}, received "${raw}"`);
    }
    return value;
  };
}

function speed(raw: string): number | 'instant' {
  if (raw.trim() === 'instant') return 'instant';
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 1 || value > MAX_SPEED) {
    throw new InvalidArgumentError(`--speed must be a number from 1 to ${MAX_SPEED} or "instant", received "${raw}"`);
  }
  return value;
}

const program = new Command('npm start --')
  .description(
    'Runs the janitor locally: an ElevenLabs simulator on loopback, the real worker and sweep on a local queue with a virtual clock.',
  )
  .option(
    '--seed <n>',
    'seed of the workspace and the jitter; the same seed tells the same story',
    wholeNumber('--seed', 0, 2 ** 32 - 1),
    DEFAULT_SEED,
  )
  .option(
    '--size <n>',
    `secrets in the workspace (${MIN_SIZE}-${MAX_SIZE})`,
    wholeNumber('--size', MIN_SIZE, MAX_SIZE),
    DEFAULT_SIZE,
  )
  .option(
    '--speed <factor>',
    'virtual seconds per real second while the clock jumps, or "instant" for no waiting',
    speed,
    DEFAULT_SPEED,
  )
  .addHelpText(
    'after',
    '\nThe simulator accepts one API key: random per run, or SANDBOX_API_KEY. It is never printed.\nThe offline CloudFormation synth is `npm run synth`.',
  )
  .showHelpAfterError('(npm start -- --help lists the options)');

async function main(): Promise<number> {
  const options = program.parse(process.argv).opts<{ seed: number; size: number; speed: number | 'instant' }>();
  const out = createOutput({ json: false, verbose: false });
  const factor = options.speed;
  const pace = (skippedMs: number) =>
    factor === 'instant' || skippedMs <= 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => setTimeout(resolve, skippedMs / factor));
  const started = performance.now();
  const givenKey = process.env.SANDBOX_API_KEY?.trim();
  const world = await createWorld({
    seed: options.seed,
    size: options.size,
    apiKey: givenKey || `sk_sandbox_${randomBytes(24).toString('hex')}`,
    pace,
  });
  let result: Awaited<ReturnType<typeof tellStory>>;
  try {
    out.line(
      `ConvAI Secret Janitor sandbox: seed ${options.seed}, ${options.size} secrets, speed ${factor === 'instant' ? 'instant' : `${factor}x`}.`,
    );
    out.line(`The simulator's API key ${givenKey ? 'comes from SANDBOX_API_KEY' : 'is random for this run'}.`);
    result = await tellStory(world, out);
  } finally {
    await world.close();
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (result.unexpected.length > 0) {
    out.line(`\nUNEXPECTED: these secrets did not end as their kind calls for: ${result.unexpected.join(', ')}`);
    return 1;
  }
  out.line(`\nEvery secret ended as it should. Done in ${seconds} s; nothing is left running.`);
  return 0;
}

// Output piped into a pager or `head` that has had enough: stop quietly, as other command-line tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main().then(
  (code) => {
    process.exitCode = code;
    // Everything was closed: the process ends by itself. If a handle is still open, say which, and stop.
    setTimeout(() => {
      process.stderr.write(`sandbox: still running after the story: ${process.getActiveResourcesInfo().join(', ')}\n`);
      process.exit(1);
    }, 3_000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`sandbox failed: ${redact(error instanceof Error ? error.message : String(error))}\n`);
    process.exit(1);
  },
);
