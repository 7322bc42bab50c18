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
