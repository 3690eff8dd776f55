declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** Total requests of the contract fuzz suite (test/contract/fuzz.test.ts); set by vitest.config.ts. */
    FUZZ_RUNS?: string;
    /** Programs the Workers AI stand-in (test/stubs/ai-stub.js). */
    AI_STUB: {
      program(
        sha256: string,
        behaviour: { output?: { label: string; score: number }[]; error?: string; invalid?: boolean; delayMs?: number },
      ): Promise<void>;
      calls(sha256: string): Promise<number>;
    };
  }
}
