import {isIP} from 'node:net'

import {tokenMatches} from '../client/index.js'

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])

/** Loopback by default; anything else needs `--allow-remote` (and then a token). */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

function splitHostPort(value: string): {host: string; port: number | undefined} {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(value.trim().toLowerCase())
  if (!m) return {host: '', port: undefined}
  return {host: m[1]!, port: m[2] === undefined ? undefined : Number(m[2])}
}

/**
 * DNS rebinding: a web page on a name the attacker controls, resolved to 127.0.0.1, would reach
 * the bridge with its own name in `Host`. Only loopback names with the bridge's port pass; with
 * `--allow-remote`, IP literals too (a rebinding page cannot name an IP literal of its own).
 */
export function hostAllowed(hostHeader: string | undefined, port: number, allowRemote: boolean): boolean {
  if (!hostHeader) return false
  const {host, port: given} = splitHostPort(hostHeader)
  if ((given ?? 80) !== port) return false
  if (isLoopbackHost(host)) return true
  return allowRemote && isIP(host.replace(/^\[|\]$/g, '')) !== 0
}

/**
 * Browsers send `Origin` with WebSocket upgrades and cross-origin requests. No Origin (a native
 * app, curl) is fine; an Origin whose host is a loopback name is the phone's own web app (any
 * scheme: http, capacitor, …); anything else, `null` included, is a foreign page.
 */
export function originAllowed(origin: string | undefined): boolean {
  if (origin === undefined) return true
  try {
    const url = new URL(origin)
    return isLoopbackHost(url.hostname)
  } catch {
    return false
  }
}

/** The token a request carries: `X-Pitwall-Token` or `Authorization: Bearer`. Never a query string. */
export function requestToken(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
  const direct = headers['x-pitwall-token']
  if (typeof direct === 'string' && direct !== '') return direct
  const auth = headers['authorization']
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)$/i.exec(auth)
    if (m) return m[1]
  }
  return undefined
}

/** WebSocket clients offer `pitwall` and `token.<TOKEN>` as subprotocols (browsers cannot set headers on an upgrade). */
export function subprotocolToken(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
  const offered = headers['sec-websocket-protocol']
  if (typeof offered !== 'string') return undefined
  for (const p of offered.split(',')) {
    const t = p.trim()
    if (t.startsWith('token.')) return t.slice('token.'.length)
  }
  return undefined
}

export interface AuthPolicy {
  /** Undefined: auth is off (`--insecure-no-auth`). */
  readonly token: string | undefined
}

export function authorized(policy: AuthPolicy, headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  if (policy.token === undefined) return true
  return tokenMatches(requestToken(headers) ?? subprotocolToken(headers), policy.token)
}
