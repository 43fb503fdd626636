/**
 * What the model is asked, and what of its answer reaches the driver. The prompt is the rule
 * coach's findings and the lap summary (the model adds words, not facts); the answer is cut to
 * what a driver can hear between corners.
 */
import type {ChatMessage} from './client.js'

const SYSTEM = [
  'You are a race engineer on the radio to your driver, on track.',
  'Use only the facts given. Be specific: name the corner, say what to change.',
  'Answer in at most two short spoken sentences. No lists, no markdown, no numbers the facts do not give.',
].join(' ')

export function analyzeMessages(facts: string, ruleCoaching: string): ChatMessage[] {
  return [
    {content: SYSTEM, role: 'system'},
    {content: `${facts}\n\nThe rule coach said: "${ruleCoaching}"\nSay the one thing that gains the most time now.`, role: 'user'},
  ]
}

export function briefMessages(facts: string): ChatMessage[] {
  return [
    {content: SYSTEM, role: 'system'},
    {content: `${facts}\n\nBrief the driver before the next run: the one or two things to work on.`, role: 'user'},
  ]
}

export function askMessages(facts: string, question: string): ChatMessage[] {
  return [
    {content: SYSTEM, role: 'system'},
    {content: `${facts}\n\nThe driver asks: "${question}"`, role: 'user'},
  ]
}

/**
 * The answer as a driver can hear it: no reasoning blocks, no markdown, at most `sentences`
 * sentences and `words` words (cut at a word, ended with a full stop).
 */
export function forTheRadio(text: string, {sentences = 2, words = 40}: {sentences?: number; words?: number} = {}): string {
  const plain = text
    .replace(/<think>[\s\S]*?(<\/think>|$)/gi, ' ')
    .replace(/```[\s\S]*?(```|$)/g, ' ')
    .replace(/^\s*(#+|[-*•]|\d+[.)])\s+/gm, '')
    .replace(/[*_`#>]+/g, '')
    .replace(/\s+/g, ' ')
    .trim()
  const said = (plain.match(/[^.!?]+[.!?]*/g) ?? []).map((s) => s.trim()).filter(Boolean).slice(0, sentences).join(' ')
  const list = said.split(' ').filter(Boolean)
  if (list.length <= words) return said
  return `${list.slice(0, words).join(' ').replace(/[,;:]$/, '')}.`
}
