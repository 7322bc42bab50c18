import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpus, freemem, platform, release, totalmem } from 'node:os';

/** Where the figures come from. Every number in results.md is only meaningful next to these. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly freeMemoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly nodePath: string;
  readonly esbuild: string;
  readonly elevenlabsSdk: string;
  readonly awsSdkSecretsManager: string;
  readonly date: string;
  /** The code measured: HEAD, plus the measured sources that differed from it when the bench ran. */
  readonly gitCommit: string;
  readonly uncommittedSources: string[];
}

const require = createRequire(import.meta.url);

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  const gib = (bytes: number) => Math.round((bytes / 2 ** 30) * 10) / 10;
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: gib(totalmem()),
    freeMemoryGiB: gib(freemem()),
    os: `${platform()} ${release()} ${process.arch}`,
    // The children run with this same binary (process.execPath): node@24 when started by npm.
    node: process.version,
    nodePath: process.execPath,
    esbuild: packageVersion('esbuild'),
    elevenlabsSdk: packageVersion('@elevenlabs/elevenlabs-js'),
    awsSdkSecretsManager: packageVersion('@aws-sdk/client-secrets-manager'),
    date: new Date().toISOString(),
    gitCommit: git(['rev-parse', '--short', 'HEAD']).trim() || 'unknown',
    // Porcelain lines are "XY path": the path starts at column 4.
    uncommittedSources: git(['status', '--porcelain', '--', 'functions', 'infra', 'package.json'])
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(3)),
  };
}
