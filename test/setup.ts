/**
 * Every property test runs with one fixed seed unless FUZZ_SEED says otherwise, so CI is
 * deterministic; a failure prints its seed and path for replay.
 */
import fc from 'fast-check';

fc.configureGlobal({ seed: Number(process.env.FUZZ_SEED ?? 20261121) });
