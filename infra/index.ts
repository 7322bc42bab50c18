/**
 * The construct entry of the package (`convai-secret-janitor` and `convai-secret-janitor/cdk`):
 * everything a CDK app needs to create, configure and wire janitors. Bundled to `dist/lib/cdk.js`.
 */
export type { MetricName } from '#core/outcomes.ts';
export { JanitorSweep, type SweepOptions } from '#infra/janitor-sweep.ts';
export { JanitorTriggers, type ScheduledDeletion } from '#infra/janitor-triggers.ts';
export { SecretJanitor, type SecretJanitorProps } from '#infra/secret-janitor.ts';
export { ConfigError } from '#shared/errors.ts';
export { REGIONAL_BASE_URLS, type SweepMode } from '#shared/settings.ts';
