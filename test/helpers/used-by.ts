/** `used_by` shapes, shared with the sandbox's ElevenLabs simulator: `sandbox/used-by-shapes.ts`. */
export * from '#sandbox/used-by-shapes.ts';
