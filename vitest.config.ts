import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    // @oclif/test needs the real console; we also spawn bin/run.js in integration tests.
    disableConsoleIntercept: true,
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most long tests wait on child processes, ptys and timers: run more files than cores.
    maxWorkers: 4,
  },
})
