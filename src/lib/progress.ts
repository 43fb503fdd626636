import {Listr, ListrLogger, type ListrTask, ProcessOutput} from 'listr2'

/**
 * A task list for long work. It draws on stderr (stdout belongs to command output and --json):
 * the animated renderer when stderr is a terminal, one plain line per step otherwise (CI logs,
 * Termux:Boot logs), nothing when `quiet`.
 */
export function createTaskList<Ctx>(tasks: ReadonlyArray<ListrTask<Ctx>>, options: {quiet?: boolean; concurrent?: boolean} = {}): Listr<Ctx> {
  const processOutput = new ProcessOutput(process.stderr, process.stderr)
  return new Listr<Ctx>([...tasks], {
    concurrent: options.concurrent ?? false,
    exitOnError: false,
    fallbackRenderer: 'simple',
    fallbackRendererCondition: !process.stderr.isTTY,
    fallbackRendererOptions: {logger: new ListrLogger({processOutput})},
    rendererOptions: {collapseErrors: false, logger: new ListrLogger({processOutput})},
    silentRendererCondition: options.quiet === true,
  })
}
