/** EventBridge envelopes, shared with the sandbox's local event bus: `sandbox/eventbridge-events.ts`. */
export * from '#sandbox/eventbridge-events.ts';
