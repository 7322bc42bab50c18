import { Command, CommanderError, Option } from 'commander';
import type { Terminal } from '#cli/credentials.ts';
import { CliError, EXIT } from '#cli/errors.ts';
import type { Output } from '#cli/output.ts';
import { ConfigError, describeError } from '#shared/errors.ts';
import { redact } from '#shared/redact.ts';
import pkg from '../package.json' with { type: 'json' };

/**
 * `convai-secret-janitor <command>`: the operator CLI. This file only declares commands and maps
 * errors to exit codes; each command's code (and the AWS SDK clients it needs) loads on first use,
 * so `--help` and `--version` start fast.
 */

interface Context {
  readonly args: readonly unknown[];
  // biome-ignore lint/suspicious/noExplicitAny: commander hands options over untyped; each command declares its own.
  readonly opts: any;
  readonly out: Output;
  readonly terminal: Terminal;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function action(run: (context: Context) => Promise<number>) {
  return async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    const opts = command.optsWithGlobals();
    const { createOutput } = await import('#cli/output.ts');
    const out = createOutput({ json: opts.json === true, verbose: opts.verbose === true });
    const terminal: Terminal = { stdinIsTty: process.stdin.isTTY === true, env: process.env };
    process.exitCode = await run({ args: command.processedArgs, opts, out, terminal });
  };
}

/** The key and endpoint options of every command that calls ElevenLabs. */
function withApi(command: Command): Command {
  return command
    .option('--api-key-secret <name|arn>', 'read the API key from this Secrets Manager secret')
    .option('--api-key-field <field>', 'JSON field of that secret holding the key', 'apiKey')
    .option(
      '--base-url <url>',
      'API origin: https, or http on loopback (default: ELEVENLABS_BASE_URL or api.elevenlabs.io)',
    )
    .addOption(
      new Option('--residency <region>', 'data-residency API instead of --base-url').choices(['us', 'eu', 'in', 'sg']),
    );
}

const ids = (context: Context) => (context.args[0] as string[] | undefined) ?? [];

export function buildProgram(): Command {
  const program = new Command('convai-secret-janitor')
    .description('Operate the ConvAI Secret Janitor: secrets, deletions, the sweep preview, the queue and its DLQ.')
    .version(pkg.version, '-V, --version', 'print the version')
    .option('--json', 'print one JSON document on stdout, for scripts')
    .option('--verbose', 'add the cause to an error')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(redact(text)) })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nKey: ELEVENLABS_API_KEY, --api-key-secret <name|arn>, or a hidden prompt in a terminal.\nExit codes: 0 done, 1 some items failed or still in use, 2 usage or configuration error.',
    );

  const secrets = program.command('secrets').description('ElevenLabs workspace secrets');
  withApi(secrets.command('list'))
    .description('every secret (all pages) with its holders')
    .option('--prefix <prefix>', 'only names starting with this (repeatable)', collect, [])
    .option('--unused', 'only secrets nothing uses')
    .option('--in-use', 'only secrets something uses')
    .action(
      action(async (c) => (await import('#cli/commands/secrets.ts')).listSecretsCommand(c.opts, c.out, c.terminal)),
    );

  const sweep = program.command('sweep').description('the stale-secret sweep');
  withApi(sweep.command('preview'))
    .description("run the sweep's plan read-only now, as if the grace period had passed; writes nothing")
    .option('--prefix <prefix>', 'name prefix the sweep owns (repeatable, required)', collect, [])
    .option('--protect-name <glob>', 'name glob never deleted, * matches anything (repeatable)', collect, [])
    .option('--protect-id <id>', 'secret id never deleted (repeatable)', collect, [])
    .option('--max-deletions-per-run <n>', 'the per-run cap (default 25, as deployed by default)')
    .option('--max-deletion-percent <n>', 'the cap as a percentage of owned secrets (default 10)')
    .action(
      action(async (c) => (await import('#cli/commands/sweep.ts')).sweepPreviewCommand(c.opts, c.out, c.terminal)),
    );

  withApi(program.command('delete'))
    .description('delete secrets through the worker’s attempt loop and classification')
    .argument('[ids...]', 'secret ids')
    .option('--from-file <file>', 'read ids from a file, one per line (# comments allowed)')
    .option('--dry-run', 'read each secret and say what a deletion would meet; delete nothing')
    .option('--yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .option('--concurrency <n>', 'deletions in parallel, 1-50', '5')
    .option('--wait <duration>', "retry secrets in use with the worker's backoff for this long, e.g. 90s, 30m, 2h")
    .action(
      action(async (c) => (await import('#cli/commands/delete.ts')).deleteCommand(ids(c), c.opts, c.out, c.terminal)),
    );

  program
    .command('enqueue')
    .description('send deletion requests to the queue (the producer library)')
    .argument('[ids...]', 'secret ids')
    .requiredOption('--queue-url <url>', 'the deletion queue URL (stack output QueueUrl)')
    .option('--from-file <file>', 'read ids from a file, one per line')
    .option('--reason <text>', 'why, carried into the worker log')
    .option('--workspace <name>', "the janitor's ElevenLabs workspace (default: default)")
    .action(action(async (c) => (await import('#cli/commands/produce.ts')).enqueueCommand(ids(c), c.opts, c.out)));

  const publish = program.command('publish').description('publish janitor events on EventBridge');
  publish
    .command('agent-removed')
    .description('publish "Agent Removed" for an agent and its secrets')
    .argument('<ids...>', 'secret ids')
    .requiredOption('--agent <agentId>', 'the removed agent')
    .option('--reason <text>', 'why, carried into the worker log')
    .option('--event-bus <name|arn>', 'bus name or ARN (default: default)')
    .option('--source <source>', 'event source the rule matches (default: convai.secret-janitor)')
    .option('--workspace <name>', "the janitor's ElevenLabs workspace (default: default)")
    .action(
      action(async (c) => (await import('#cli/commands/produce.ts')).publishAgentRemovedCommand(ids(c), c.opts, c.out)),
    );

  const dlq = program.command('dlq').description('the dead-letter queue');
  dlq
    .command('list')
    .description('messages with their failure reason; reads without consuming')
    .requiredOption('--queue-url <url>', 'the DLQ URL (stack output DeadLetterQueueUrl)')
    .option('--reason <prefix>', 'only messages whose failureReason starts with this')
    .option('--max <n>', 'read at most this many messages', '10000')
    .action(action(async (c) => (await import('#cli/commands/dlq.ts')).dlqListCommand(c.opts, c.out)));
  dlq
    .command('redrive')
    .description('move matching messages back (send, then delete)')
    .requiredOption('--queue-url <url>', 'the DLQ URL')
    .requiredOption('--to <url>', 'the queue to move them to (stack output QueueUrl)')
    .option('--reason <prefix>', 'only messages whose failureReason starts with this')
    .option('--dry-run', 'show what would move; move nothing')
    .option('--max <n>', 'read at most this many messages', '10000')
    .action(action(async (c) => (await import('#cli/commands/dlq.ts')).dlqRedriveCommand(c.opts, c.out)));

  program
    .command('status')
    .description('queue depth, in flight, DLQ depth, oldest message age, worker event source, sweep')
    .requiredOption('--stack <name>', 'the CloudFormation stack name')
    .option('--workspace <name>', "the janitor's workspace; reads its prefixed outputs (e.g. eu: EuQueueUrl)")
    .action(action(async (c) => (await import('#cli/commands/status.ts')).statusCommand(c.opts, c.out)));
  for (const [name, enabled] of [
    ['pause', false],
    ['resume', true],
  ] as const) {
    program
      .command(name)
      .description(`${enabled ? 'enable' : 'disable'} the worker's event source mapping`)
      .requiredOption('--stack <name>', 'the CloudFormation stack name')
      .option('--workspace <name>', "the janitor's workspace; reads its prefixed outputs (e.g. eu: EuQueueUrl)")
      .action(
        action(async (c) => (await import('#cli/commands/status.ts')).setConsumingCommand(c.opts, enabled, c.out)),
      );
  }
  return program;
}

/** Runs the CLI; returns the exit code. Every line it prints about an error is redacted. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return Number(process.exitCode ?? EXIT.ok);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    }
    const verbose = argv.includes('--verbose');
    const code = error instanceof CliError ? error.exitCode : error instanceof ConfigError ? EXIT.usage : EXIT.failed;
    const message = error instanceof CliError || error instanceof ConfigError ? error.message : describeError(error);
    process.stderr.write(`${redact(`error: ${message}`)}\n`);
    if (verbose) {
      for (let cause = error as Error | undefined; cause; cause = cause.cause as Error | undefined) {
        process.stderr.write(`${redact(String(cause.stack ?? cause))}\n`);
      }
    }
    return code;
  }
}

const code = await main(process.argv);
// Kept-alive sockets would hold the process open; exit once stdout has flushed.
process.stdout.write('', () => process.exit(code));
