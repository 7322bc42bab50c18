import { Grant, type IRole } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';

/** What the functions pass to GetSecretValue: the complete ARN when known, else the exact name. */
export function apiKeySecretId(secret: ISecret): string {
  return secret.secretFullArn ?? secret.secretName;
}

/**
 * `secretsmanager:GetSecretValue` on this secret only, plus `kms:Decrypt` on its key when it has one.
 * A secret imported by name has no known suffix, so its ARN ends in `-??????` (six characters
 * exactly); import it by complete ARN to name the one secret.
 */
export function grantReadApiKey(
  secret: ISecret,
  role: IRole,
  encryptionKey: IKey | undefined = secret.encryptionKey,
): void {
  Grant.addToPrincipal({
    grantee: role,
    actions: ['secretsmanager:GetSecretValue'],
    resourceArns: [secret.secretFullArn ?? `${secret.secretArn}-??????`],
  });
  encryptionKey?.grantDecrypt(role);
}

/**
 * The worker's slice of the marks table: read and delete marks (partitions `MARK#…`) and write audit
 * records (partitions `AUDIT#…`). It can never write a mark, so it cannot make a secret look stale.
 */
export function grantWorkerMarks(tableArn: string, role: IRole): void {
  Grant.addToPrincipal({
    grantee: role,
    actions: ['dynamodb:GetItem', 'dynamodb:DeleteItem'],
    resourceArns: [tableArn],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['MARK#*'] } },
  });
  Grant.addToPrincipal({
    grantee: role,
    actions: ['dynamodb:PutItem'],
    resourceArns: [tableArn],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT#*'] } },
  });
}

/**
 * The sweep's run claims (partitions `RUN#…`): one conditional PutItem per run, so a retried
 * invocation of the same scheduled run does nothing.
 */
export function grantSweepRunClaims(tableArn: string, role: IRole): void {
  Grant.addToPrincipal({
    grantee: role,
    actions: ['dynamodb:PutItem'],
    resourceArns: [tableArn],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RUN#*'] } },
  });
}
