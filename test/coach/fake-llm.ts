/**
 * A fake OpenAI-compatible model server on loopback, a real node:http server: `GET /v1/models`
 * and `POST /v1/chat/completions`, with modes a test can switch (answering, hanging without an
 * answer, HTTP errors), and kill/revive on the same port.
 */
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

export type FakeMode = 'ok' | 'hang' | 'error'

export class FakeLlm {
  mode: FakeMode = 'ok'
  /** What the model "says". */
  answer = '<think>The driver brakes late into the Hairpin.</think>**Brake at your marker for the Hairpin.** You are carrying too much speed in, and it costs you the exit. Then squeeze the throttle. And one more thing to say here.'
  readonly requests: Array<{path: string; body: unknown}> = []
  port = 0
  private server: Server | undefined
  private readonly hanging = new Set<ServerResponse>()

  get url(): string {
    return `http://127.0.0.1:${this.port}/v1`
  }

  async start(port = 0): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res))
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
    this.port = (server.address() as AddressInfo).port
    return this
  }

  /** The process dies: the listener closes and every connection with it. */
  async kill(): Promise<void> {
    const server = this.server
    this.server = undefined
    if (!server) return
    for (const res of this.hanging) res.destroy()
    this.hanging.clear()
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** Back on the same port. */
  async revive(): Promise<void> {
    await this.start(this.port)
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = ''
    for await (const chunk of req) text += String(chunk)
    this.requests.push({body: text ? (JSON.parse(text) as unknown) : undefined, path: `${req.method} ${req.url}`})
    if (this.mode === 'hang') {
      // Accepts and never answers.
      this.hanging.add(res)
      return
    }
    if (this.mode === 'error') {
      res.writeHead(503, {'content-type': 'application/json'}).end('{"error":"loading model"}')
      return
    }
    if (req.method === 'GET' && req.url === '/v1/models') {
      res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({data: [{id: 'gemma-3n-e2b-it', object: 'model'}], object: 'list'}))
      return
    }
    if (req.method === 'POST' && req.url === '/v1/chat/completions') {
      res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({choices: [{finish_reason: 'stop', index: 0, message: {content: this.answer, role: 'assistant'}}], object: 'chat.completion'}))
      return
    }
    res.writeHead(404).end()
  }
}

/** Polls `check` every 10 ms until it is true; resolves with the milliseconds it took, rejects after `withinMs`. */
export async function waitFor(check: () => boolean, withinMs: number): Promise<number> {
  const start = performance.now()
  while (!check()) {
    if (performance.now() - start > withinMs) throw new Error(`not within ${withinMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return performance.now() - start
}
