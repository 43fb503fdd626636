import {Args, Flags} from '@oclif/core'

import {CarValidator, defaultTargets} from '../lib/validate/index.js'
import {createTaskList, PitwallCommand} from '../lib/cli/index.js'
import {ExitCode, UsageError} from '../lib/errors.js'
import {type Finding, formatFinding} from '../lib/findings.js'

export type ValidateCarResult = Finding[]

export default class ValidateCar extends PitwallCommand {
  static override args = {
    files: Args.string({description: 'car YAML, DBC or formula library files (default: cars/* and formulas/* under the current directory)'}),
  }

  static override description = `Checks car YAML files (with the DBC each names and its car-local formulas), bare DBC files and formula libraries, and reports every problem, not only the first, each as file:line:column: error|warning: message [rule-id].

Exit status: 0 when there is no error (warnings allowed), 1 when there is at least one error (with --strict, a warning counts as an error). The rules are listed in docs/validate-car.md.`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> cars/bmw_e46_m3.yaml', description: 'Check the shipped car, its DBC and formulas.'},
    {command: '<%= config.bin %> <%= command.id %>', description: 'Check every file under cars/ and formulas/.'},
    {command: '<%= config.bin %> <%= command.id %> cars/*.yaml formulas/*.yaml --strict --format github', description: 'In CI: warnings fail the build, findings become annotations.'},
    {command: '<%= config.bin %> <%= command.id %> my_car.dbc --json', description: 'Lint a bare DBC; print the findings as a JSON list.'},
  ]

  static override flags = {
    format: Flags.option({default: 'text', description: 'How findings are printed: text lines, or GitHub Actions annotations.', options: ['text', 'github'] as const})(),
    formulas: Flags.string({description: 'Formula library to check cars against. Env: PITWALL_FORMULAS. Default: the shipped formulas/standard.yaml.'}),
    strict: Flags.boolean({default: false, description: 'Treat warnings as errors.'}),
  }

  static override strict = false

  static override summary = 'Lint car configs, DBC files and formula libraries, with file:line:column findings.'

  async run(): Promise<ValidateCarResult> {
    const {argv, flags} = await this.parse(ValidateCar)
    const settings = await this.settings({dataDir: flags['data-dir'], formulas: flags.formulas})
    const files = argv.length > 0 ? (argv as string[]) : defaultTargets()
    if (files.length === 0) {
      throw new UsageError('no files to check: there is no cars/ or formulas/ here', {
        code: 'PW_NOTHING_TO_CHECK',
        suggestions: ['name the files: pitwall validate-car my_car.yaml my_car.dbc', 'or run it from a directory with cars/ and formulas/'],
      })
    }
    const formulaLibrary = settings.get('formulas')
    const validator = new CarValidator({strict: flags.strict, ...(formulaLibrary ? {formulaLibrary} : {})})
    const tasks = files.map((file) => ({
      task: async (_: unknown, task: {title: string}) => {
        const r = await validator.validate(file)
        task.title = `${r.file}: ${r.errors} error(s), ${r.warnings} warning(s)`
      },
      title: file,
    }))
    await createTaskList(tasks, {quiet: files.length < 2 || this.jsonEnabled()}).run()
    const report = validator.report()
    if (report.errorCount > 0) process.exitCode = ExitCode.findings
    if (!this.jsonEnabled()) this.render(report.findings, flags.format, files.length, report.errorCount, report.warningCount)
    return [...report.findings]
  }

  private render(findings: readonly Finding[], format: 'github' | 'text', fileCount: number, errors: number, warnings: number): void {
    for (const f of findings) {
      this.log(format === 'github' ? githubAnnotation(f) : formatFinding(f))
    }
    this.logToStderr(`${fileCount} file(s) checked: ${errors} error(s), ${warnings} warning(s)`)
  }
}

// https://docs.github.com/actions/reference/workflow-commands-for-github-actions#setting-an-error-message
function githubAnnotation(f: Finding): string {
  const escape = (s: string): string => s.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A')
  const prop = (s: string): string => escape(s).replaceAll(':', '%3A').replaceAll(',', '%2C')
  return `::${f.severity} file=${prop(f.file)},line=${f.line},col=${f.column},title=${prop(f.rule)}::${escape(f.message)}`
}
