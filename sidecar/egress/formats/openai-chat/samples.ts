/** OpenAI chat-completions samples for the conformance test (formats/samples.ts). */
import type { FormatSamples } from '../samples.ts';

const sse = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;
const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
  id: 'chatcmpl-sample',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'gpt-sample',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

export const openaiChatSamples: FormatSamples = {
  request: () => ({
    model: 'gpt-sample',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hello' },
    ],
    max_tokens: 50,
    temperature: 0.5,
  }),
  badConversation: () => ({ model: 'gpt-sample', messages: [{ role: 'user', content: {} }] }),
  badParameter: () => ({
    model: 'gpt-sample',
    messages: [{ role: 'user', content: 'Hi' }],
    temperature: '0.2',
  }),
  answer: (text, usage) => ({
    id: 'chatcmpl-sample',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-sample',
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: {
      prompt_tokens: usage.promptTokens,
      completion_tokens: usage.completionTokens,
      total_tokens: usage.promptTokens + usage.completionTokens,
    },
  }),
  stream: (parts, usage) =>
    sse(chunk({ role: 'assistant', content: '' }, null)) +
    parts.map((content) => sse(chunk({ content }, null))).join('') +
    sse(chunk({}, 'stop')) +
    sse({
      ...chunk({}, null),
      choices: [],
      usage: {
        prompt_tokens: usage.promptTokens,
        completion_tokens: usage.completionTokens,
        total_tokens: usage.promptTokens + usage.completionTokens,
      },
    }) +
    'data: [DONE]\n\n',
  answerText: (answer) =>
    String((answer as { choices: { message: { content: string } }[] }).choices[0]!.message.content),
  streamText: (events) =>
    events
      .filter((e) => e.data !== '[DONE]')
      .map((e) => (JSON.parse(e.data) as { choices?: { delta?: { content?: string } }[] }).choices?.[0])
      .map((choice) => choice?.delta?.content ?? '')
      .join(''),
};
