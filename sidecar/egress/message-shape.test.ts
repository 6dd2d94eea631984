import { describe, expect, it } from 'vitest';
import { checkConversation } from './message-shape.ts';

const refused = (format: 'openai' | 'anthropic', body: Record<string, unknown>) => {
  try {
    checkConversation(format, body);
    return null;
  } catch (error) {
    return error as { code: string; message: string };
  }
};

const user = (content: unknown) => ({ messages: [{ role: 'user', content }] });

describe('checkConversation: shapes both formats accept', () => {
  it.each([
    ['string content', user('hi')],
    ['empty string', user('')],
    [
      'text parts',
      user([
        { type: 'text', text: 'a' },
        { type: 'text', text: 'b' },
      ]),
    ],
    ['empty parts', user([])],
    ['a part type Sluice does not know (the provider judges it)', user([{ type: 'future_part', x: 1 }])],
  ])('%s', (_, body) => {
    expect(refused('openai', body)).toBeNull();
    expect(refused('anthropic', body)).toBeNull();
  });
});

describe('checkConversation: OpenAI chat', () => {
  it.each([
    [
      'system, developer, user, assistant',
      { messages: ['system', 'developer', 'user', 'assistant'].map((role) => ({ role, content: 'x' })) },
    ],
    [
      'assistant without content (tool calls only)',
      { messages: [{ role: 'assistant', content: null, tool_calls: [] }] },
    ],
    ['tool turn with its call id', { messages: [{ role: 'tool', content: 'r', tool_call_id: 'c1' }] }],
    ['image part', user([{ type: 'image_url', image_url: { url: 'https://x/y.png' } }])],
    ['audio part', user([{ type: 'input_audio', input_audio: { data: '', format: 'wav' } }])],
  ])('accepts %s', (_, body) => {
    expect(refused('openai', body)).toBeNull();
  });

  it.each([
    ['content an object (issue 12 fuzz: 5xx on main)', user({}), 'messages[0].content'],
    ['content a number', user(1), 'messages[0].content'],
    ['content true', user(true), 'messages[0].content'],
    ['content absent on a user turn', { messages: [{ role: 'user' }] }, 'messages[0].content'],
    [
      'content null on a system turn',
      { messages: [{ role: 'system', content: null }] },
      'messages[0].content',
    ],
    ['a part that is a number', user([1]), 'messages[0].content[0]'],
    ['a part without a type', user([{}]), 'messages[0].content[0]'],
    ['a part with an empty type', user([{ type: '' }]), 'messages[0].content[0]'],
    ['a text part whose text is a number', user([{ type: 'text', text: 5 }]), 'messages[0].content[0].text'],
    [
      'an image part without a url',
      user([{ type: 'image_url', image_url: {} }]),
      'messages[0].content[0].image_url.url',
    ],
    [
      'an image part that is a string',
      user([{ type: 'image_url', image_url: 'u' }]),
      'messages[0].content[0].image_url',
    ],
    ['an unknown role', { messages: [{ role: 'bogus', content: 'x' }] }, 'messages[0].role'],
    ['an empty role', { messages: [{ role: '', content: 'x' }] }, 'messages[0].role'],
    ['a role that is a number', { messages: [{ role: 1, content: 'x' }] }, 'messages[0].role'],
    ['a message that is an array', { messages: [[]] }, 'messages[0]'],
    ['a message that is null', { messages: [null] }, 'messages[0]'],
    ['messages an object', { messages: {} }, 'messages'],
    [
      'a tool turn without its call id',
      { messages: [{ role: 'tool', content: 'r' }] },
      'messages[0].tool_call_id',
    ],
    ['a name that is a number', { messages: [{ role: 'user', content: 'x', name: 1 }] }, 'messages[0].name'],
    [
      'tool_calls an object',
      { messages: [{ role: 'assistant', content: 'x', tool_calls: {} }] },
      'messages[0].tool_calls',
    ],
  ])('refuses %s', (_, body, field) => {
    const error = refused('openai', body);
    expect(error).toMatchObject({ code: 'SLUICE_BAD_REQUEST' });
    expect(error?.message).toContain(`"${field}"`);
  });
});

describe('checkConversation: Anthropic messages', () => {
  it.each([
    ['system as a string', { system: 's', ...user('x') }],
    ['system as text blocks', { system: [{ type: 'text', text: 's' }], ...user('x') }],
    [
      'tool use and its result',
      {
        messages: [
          { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'n', input: {} }] },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'r' }] }],
          },
        ],
      },
    ],
    ['image block', user([{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: '' } }])],
  ])('accepts %s', (_, body) => {
    expect(refused('anthropic', body)).toBeNull();
  });

  it.each([
    ['content an object', user({}), 'messages[0].content'],
    ['content null', user(null), 'messages[0].content'],
    ['content absent', { messages: [{ role: 'user' }] }, 'messages[0].content'],
    ['a system role in messages', { messages: [{ role: 'system', content: 'x' }] }, 'messages[0].role'],
    ['a block without a type', user([{ text: 'x' }]), 'messages[0].content[0]'],
    ['a text block whose text is null', user([{ type: 'text', text: null }]), 'messages[0].content[0].text'],
    [
      'a tool_use block without input',
      user([{ type: 'tool_use', id: 't', name: 'n' }]),
      'messages[0].content[0].input',
    ],
    [
      'a tool_result whose content is an object',
      user([{ type: 'tool_result', tool_use_id: 't', content: {} }]),
      'messages[0].content[0].content',
    ],
    ['system a number', { system: 1, ...user('x') }, 'system'],
    [
      'system with an image block',
      { system: [{ type: 'image', source: {} }], ...user('x') },
      'system[0].type',
    ],
    [
      'system with a text block whose text is a number',
      { system: [{ type: 'text', text: 1 }], ...user('x') },
      'system[0].text',
    ],
  ])('refuses %s', (_, body, field) => {
    const error = refused('anthropic', body);
    expect(error).toMatchObject({ code: 'SLUICE_BAD_REQUEST' });
    expect(error?.message).toContain(`"${field}"`);
  });
});
