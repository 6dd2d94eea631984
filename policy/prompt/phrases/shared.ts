/**
 * Language-neutral phrases: chat-template delimiters and fake turns. Role words cover all six
 * languages so "### Sistema:" and "Assistente: certo, …" are caught as well.
 */

import type { PhraseSet } from './types.ts';

export const SHARED: PhraseSet = {
  language: 'shared',
  classes: {
    role_sys:
      'system|systems|sistema|systeme|system prompt|sys|developer|dev|admin|administrator|root|operator|sysadmin|superuser|entwickler|desarrollador|developpeur|desenvolvedor|sviluppatore|amministratore|administrador|administrateur',
    role_sys_note:
      'message|prompt|note|notice|override|update|instruction|instructions|alert|command|nachricht|hinweis|mensaje|nota|mensagem|messaggio|avis|consigne|anweisung|instruccion|instrucao|istruzione',
    role_ai:
      'assistant|assistent|asistente|assistente|ai|ia|ki|bot|chatbot|model|modelo|modele|modello|gpt|chatgpt|claude|llm|gemini|copilot|dan',
    role_any:
      '@role_sys|@role_ai|user|human|usuario|utilisateur|utente|benutzer|nutzer|instructions|instruction|context|contexto|contexte|kontext|contesto|prompt|input|query|document|documents|admin',
    special:
      'im start|im end|im sep|system|user|assistant|endoftext|end of text|eot id|eot|eom id|eom|start header id|end header id|begin of text|end of turn|start of turn|bos|eos|sep|pad|tool|function|ipython|start|end',
    role_word: 'system|assistant|user|developer|tool|model|human|ai|sistema|systeme',
    // What follows "New instructions:" in an attack: an order or words aimed at the model.
    order:
      'you|your|ignore|disregard|forget|reveal|print|output|respond|answer|act|pretend|from now on|always|never|do not|don t|dont|tell|say|write|show|give|list|stop|obey|follow|only|the assistant|assistant|ai|include|send|translate|summarize|summarise|repeat|disclose|leak|bypass|override|disable|enable|du|dein|deine|ignoriere|vergiss|zeige|zeig|gib|sag|antworte|verrate|gehorche|tu|tus|ignora|olvida|revela|muestra|responde|eres|di|dime|vous|ignore|ignorez|oublie|oubliez|revele|montre|reponds|affiche|dis|voce|esqueca|mostre|responda|diga|rivela|mostra|rispondi|sei|dimentica|dimmi',
    // What a fake system turn says next: "System: you are…", "System: ignore…".
    sys_follow:
      'you|your|yours|from now|ignore|disregard|forget|override|reveal|act as|pretend|respond as|answer as|the assistant|the ai|the model|assistant must|ai must|du|dein|deine|ab sofort|ignoriere|vergiss|tu|tus|ignora|olvida|vous|votre|ignorez|oublie|voce|esqueca|sei|devi|dimentica|tuo|tua',
    // What a fake assistant turn says: "Assistant: Sure, here is my system prompt".
    ai_follow:
      'sure|ok|okay|certainly|absolutely|understood|of course|i will|i ll|here is|here s|here are|as dan|i am dan|i m dan|i have been|jailbreak|developer mode|claro|vale|entendido|por supuesto|desde luego|bien sur|d accord|compris|entendu|certo|claro|entendido|com certeza|va bene|certamente|capito|ecco|klar|verstanden|naturlich|gerne|selbstverstandlich|jawohl|in ordnung',
  },
  phrases: {
    fake_delimiter: [
      // Chat-template special tokens that open a turn for a role: <|im_start|>system,
      // <|start_header_id|>system<|end_header_id|>, <|system|>, or close one turn and open the
      // next: <|im_end|><|im_start|>. A bare token in a question ("what does <|im_start|> mean?")
      // is not enough.
      '\\< \\| (system|assistant|user|developer|tool|model) \\| \\>',
      '\\< \\| (im start|start header id|start header|start of turn|begin of text|start) \\| \\> @role_word',
      '\\< \\| @special \\| \\> \\< \\|',
      // Gemma: <start_of_turn>, <end_of_turn>
      '\\< (start|end) of turn',
      // Llama 2: [INST] [/INST] <<SYS>> <</SYS>>
      '\\[ [\\/] inst \\]',
      '\\< \\< [\\/] sys \\> \\>',
      // [SYSTEM], [system message], [ADMIN OVERRIDE], [assistant]
      '\\[ @role_sys [@role_sys_note] \\]',
      '\\[ @role_ai \\]',
      '\\[ (new instructions|end of user input|end of input|end of prompt|begin system prompt|system override) \\]',
      // XML-ish turns: </user>, <system>, </context>, </instructions>
      '\\< \\/ @role_any \\>',
      '\\< (system|system prompt|sys|admin|developer|instructions|instruction|assistant|system message|sistema|systeme) \\>',
      // Markdown-style headers at line start: "### System:", "## Instruction:"
      '^ \\# @role_sys [@role_sys_note] (\\:|^)',
      '^ \\# (instruction|instructions|response|new instructions|new instruction|assistant|neue anweisungen|nuevas instrucciones|nouvelles instructions|novas instrucoes|nuove istruzioni) \\:',
      // A fake system turn at line start, followed by an order.
      '^ @role_sys [@role_sys_note] \\: @sys_follow',
      '^ [\\#|\\[] @role_sys (override|command|directive) [\\]] \\:',
      // A fake assistant turn at line start, conceding.
      '^ @role_ai \\: @ai_follow',
      // Spelled-out boundaries.
      // On a line of their own only: "how do I detect the end of user input in bash" is a question.
      '^ (end|ende|fin|fine|fim) (of|der|des|del|de|da|do|della|dell) [the|la|le|el|die|l] (user|system|benutzer|usuario|utilisateur|utente|systeme|sistema) (input|prompt|message|instructions|eingabe|entrada|entree|ingresso|mensaje|nachricht|messaggio|mensagem) (\\:|^)',
      '^ (begin|start|beginning) [of] [the] (system|new|admin|developer) (prompt|instructions|message|override) (\\:|^)',
      '(user|human) (input|query|message) (ends|ended|is over) [here]',
    ],
  },
};
