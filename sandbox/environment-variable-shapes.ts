/**
 * ConvAI environment variables in the shapes of the official client's serializers
 * (`EnvironmentVariableResponse` and `EnvironmentVariablesListResponse` in `@elevenlabs/elevenlabs-js`).
 * `values` maps each environment name to a value of the variable's type.
 */

export type EnvironmentVariableValues =
  | { type: 'string'; values: Record<string, string> }
  | { type: 'secret'; values: Record<string, { secret_id: string }> }
  | { type: 'auth_connection'; values: Record<string, { auth_connection_id: string }> };

export type EnvironmentVariable = {
  label: string;
  created_at_unix_secs: number;
  updated_at_unix_secs: number;
  created_by_user_id?: string;
  id: string;
  workspace_id: string;
} & EnvironmentVariableValues;

/** What a test gives; ids, workspace and times are filled in. */
export type NewEnvironmentVariable = { label: string; id?: string } & EnvironmentVariableValues;

export const WORKSPACE_ID = 'ws_fake_workspace';
/** 2026-01-01T00:00:00Z. */
const CREATED = 1_767_225_600;

export function environmentVariable({ id, ...variable }: NewEnvironmentVariable, index = 1): EnvironmentVariable {
  return {
    id: id ?? `envvar_fake_${index}`,
    workspace_id: WORKSPACE_ID,
    created_at_unix_secs: CREATED,
    updated_at_unix_secs: CREATED,
    ...variable,
  } as EnvironmentVariable;
}

/** A secret-type variable referencing one secret per environment (`{ production: 'sec_1' }`). */
export function secretVariable(label: string, secretIds: Record<string, string>, id?: string): EnvironmentVariable {
  const values = Object.fromEntries(Object.entries(secretIds).map(([env, secretId]) => [env, { secret_id: secretId }]));
  return environmentVariable({ label, type: 'secret', values, ...(id ? { id } : {}) }, 1);
}

/** One `GET /v1/convai/environment-variables` answer. */
export function environmentVariablesPage(variables: readonly unknown[], nextCursor: string | null = null) {
  return { environment_variables: variables, next_cursor: nextCursor, has_more: nextCursor !== null };
}
