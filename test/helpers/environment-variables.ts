/** Environment-variable shapes, shared with the sandbox's ElevenLabs simulator: `sandbox/environment-variable-shapes.ts`. */
export * from '#sandbox/environment-variable-shapes.ts';
