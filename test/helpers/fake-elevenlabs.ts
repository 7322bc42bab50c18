/**
 * The tests' names for the ElevenLabs simulator of the sandbox (`sandbox/elevenlabs-simulator.ts`):
 * one implementation serves `npm start` and every test.
 */
export {
  type ElevenLabsSimulator as FakeElevenLabs,
  type ElevenLabsSimulatorOptions as FakeElevenLabsOptions,
  type EnvironmentVariable,
  type NewEnvironmentVariable,
  type Override,
  type RecordedRequest,
  type Route,
  type StoredSecret,
  startElevenLabsSimulator as startFakeElevenLabs,
  type UsedBy,
} from '#sandbox/elevenlabs-simulator.ts';
