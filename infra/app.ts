import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { janitorStackFromContext } from '#infra/stack.ts';
import { ConfigError } from '#shared/errors.ts';

/** Synthesizes the stack from the `janitor` context; cdk-nag findings stop it. */
function synthesize(): void {
  const app = new App();
  const nag = new AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(nag);
  janitorStackFromContext(app, { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION });

  // Run the AwsSolutions pack on the whole tree ourselves as well: this CDK version does not hand the
  // construct tree to validation plugins, and an unacknowledged finding must stop the synth.
  const report = nag.validateScope(app);
  if (!report.success) {
    const lines = report.violations.map(
      (v) => `${v.ruleName}: ${v.description} (${v.violatingResources.map((r) => r.constructPath).join(', ')})`,
    );
    throw new ConfigError(`cdk-nag AwsSolutions found ${lines.length} unacknowledged findings:\n${lines.join('\n')}`);
  }
  console.error('cdk-nag AwsSolutions: 0 unacknowledged findings');
  app.synth();
}

// A configuration error is one line naming the setting, the value and what is allowed: no stack trace.
try {
  synthesize();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
