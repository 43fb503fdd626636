/**
 * The coach's typed errors. A bad request body is the caller's to fix (the bridge answers 400
 * with the code); a model that failed is never the caller's problem: the facade answers from the
 * rules instead, and the error only shows in `litert.last_error` and the log.
 */
import {InputDataError, UnavailableError} from '../errors.js'

export const COACH_ERROR = {
  /** A request body that is not what the route takes. */
  badRequest: 'PW_COACH_BAD_REQUEST',
  /** A burst of points none of whose fields is a channel of the car. */
  noSamples: 'PW_COACH_NO_SAMPLES',
  /** The model server refused, reset or could not be reached. */
  llmUnreachable: 'PW_LLM_UNREACHABLE',
  /** No answer within the budget. */
  llmTimeout: 'PW_LLM_TIMEOUT',
  /** An HTTP error status, or an answer without text. */
  llmBadAnswer: 'PW_LLM_BAD_ANSWER',
  /** No base URL configured. */
  llmNotConfigured: 'PW_LLM_NOT_CONFIGURED',
} as const
export type CoachErrorCode = (typeof COACH_ERROR)[keyof typeof COACH_ERROR]

export class CoachRequestError extends InputDataError {
  constructor(message: string, code: CoachErrorCode = COACH_ERROR.badRequest, suggestions: string[] = []) {
    super(message, {code, suggestions})
  }
}

export class LlmError extends UnavailableError {
  constructor(message: string, code: CoachErrorCode, cause?: unknown) {
    super(message, {code, ...(cause === undefined ? {} : {cause}), suggestions: ['check the model server (--llm-url / PITWALL_LLM_URL): GET {url}/models must answer']})
  }
}
