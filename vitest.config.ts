import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    // @oclif/test needs the real console; we also spawn bin/run.js in integration tests.
    disableConsoleIntercept: true,
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
  },
})
