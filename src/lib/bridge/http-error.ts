import type {FastifyReply} from 'fastify'

import {PitwallError} from '../errors.js'

/** The one error body every route answers with: `{error: {code, message}}`, never a stack. */
export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({error: {code, message}})
}

/** A route's own failure with an HTTP status; the error handler turns it into the body above. */
export class HttpError extends PitwallError {
  constructor(
    readonly statusCode: number,
    message: string,
    code: string,
  ) {
    super(message, {code})
  }
}

/** The schema of that body, for every route's non-2xx responses. */
export const errorSchema = {
  additionalProperties: false,
  properties: {
    error: {
      additionalProperties: false,
      properties: {code: {type: 'string'}, message: {type: 'string'}},
      required: ['code', 'message'],
      type: 'object',
    },
  },
  required: ['error'],
  type: 'object',
} as const

export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  413: errorSchema,
  415: errorSchema,
  409: errorSchema,
  421: errorSchema,
  422: errorSchema,
  429: errorSchema,
  503: errorSchema,
  500: errorSchema,
} as const
