/**
 * The API key is scrubbed where text enters and leaves the worker, before anything cuts it: the core
 * reads ElevenLabs answers only after `redactingApi` scrubbed them, and `redactingQueue` scrubs a
 * message and its attributes before the queue adapter cuts attributes to the SQS limit. A cut through
 * an unscrubbed key would leave a fragment that no later redaction recognises.
 */
import type { ApiResponse, ElevenLabsApi, QueuePort } from '#core/ports.ts';
import { redact, redactText } from '#shared/redact.ts';

/** The ElevenLabs API with every answer (body and headers) scrubbed of registered keys. */
export function redactingApi(api: ElevenLabsApi): ElevenLabsApi {
  const scrubbed = (response: ApiResponse): ApiResponse => redact(response);
  return {
    deleteSecret: async (secretId, apiKey, timeoutMs) => scrubbed(await api.deleteSecret(secretId, apiKey, timeoutMs)),
    getSecret: async (secretId, apiKey, timeoutMs) => scrubbed(await api.getSecret(secretId, apiKey, timeoutMs)),
    listSecrets: async (query, apiKey, timeoutMs) => scrubbed(await api.listSecrets(query, apiKey, timeoutMs)),
    listEnvironmentVariables: async (query, apiKey, timeoutMs) =>
      scrubbed(await api.listEnvironmentVariables(query, apiKey, timeoutMs)),
  };
}

/** The queue with every message body and DLQ attribute scrubbed of registered keys before it is sent. */
export function redactingQueue(queue: QueuePort): QueuePort {
  return {
    changeVisibility: (receiptHandle, seconds) => queue.changeVisibility(receiptHandle, seconds),
    sendToDlq: (body, attributes) => queue.sendToDlq(redactText(body), redact(attributes)),
    sendBatch: (entries) => queue.sendBatch(entries.map((entry) => ({ id: entry.id, body: redactText(entry.body) }))),
  };
}
