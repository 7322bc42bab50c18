import { Grant, type IRole } from 'aws-cdk-lib/aws-iam';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';

/**
 * `secretsmanager:GetSecretValue` on this secret only, plus `kms:Decrypt` when it has a key.
 * A secret imported by name has no known suffix, so its ARN ends in `-??????` (six characters
 * exactly); import it by complete ARN to name the one secret.
 */
export function grantReadApiKey(secret: ISecret, role: IRole): void {
  Grant.addToPrincipal({
    grantee: role,
    actions: ['secretsmanager:GetSecretValue'],
    resourceArns: [secret.secretFullArn ?? `${secret.secretArn}-??????`],
  });
  secret.encryptionKey?.grantDecrypt(role);
}
