/**
 * English phrases. Words are folded like input, so case, accents and leetspeak need no variants;
 * inflections and synonyms do. Keep each verb and noun list in one class so a new synonym
 * reaches every phrase that uses it.
 *
 * Deliberately NOT here, because benign questions use them: "enable developer mode" (Android,
 * Chrome), "ignore the rules" without a qualifier (linters), "drop existing constraints" (SQL),
 * "show the system prompt" without "me"/"your" (developer questions about prompts).
 */

import type { PhraseSet } from './types.ts';

export const EN: PhraseSet = {
  language: 'en',
  classes: {
    all: 'all|any|every|each|the whole|whole|all of|any of|every one of|each of',
    det: 'the|your|my|these|those|this|that|our|its|his|her|their|such|prior',
    your: 'your|ur|yr|thy|your own',
    adj: 'previous|previously given|prior|above|above mentioned|aforementioned|earlier|preceding|former|foregoing|original|initial|old|older|past|given|starting|prev|system|hidden|built in|preset|pre set|programmed|safety|underlying',
    // No "system" ("override the system prompt" is how the API docs say it).
    adj_override:
      'previous|previously given|prior|above|above mentioned|aforementioned|earlier|preceding|former|foregoing|original|initial|old|past|given|starting|prev|hidden|safety',
    noun: 'instructions|instruction|instructons|instrucions|rules|rule|directions|directives|directive|prompts|prompt|guidelines|guideline|guidance|constraints|context|messages|message|text|restrictions|programming|training|conversation|policies|policy|limitations|system prompt|system message|system instructions|safeguards|guardrails|commands given|orders given|teachings|conditioning|directions given',
    noun_self:
      'system prompt|system message|system instructions|system rules|initial prompt|original prompt|initial instructions|developer instructions|developer message|hidden instructions|hidden prompt|safety guidelines|safety rules|content policy|content guidelines',
    noun_narrow:
      'instructions|instruction|directives|system prompt|system message|system instructions|programming|guidelines|safety guidelines|safeguards|guardrails|prompt|training|conditioning',
    verb: 'ignore|ignoring|ignored|disregard|disregarding|forget|forgetting|neglect|overlook|discard|abandon|dismiss|nullify|void|scrap|ditch|unlearn|erase|wipe|pay no attention to|pay no heed to|do not follow|don t follow|dont follow|do not obey|don t obey|dont obey|stop following|stop obeying|no longer follow|no longer obey|cease following|set aside|put aside|throw away|throw out|forego|forgo|skip over|look past|move past|get rid of',
    verb_override: 'override|overrule|overwrite|bypass|circumvent|supersede|countermand|revoke|cancel',
    // Not bare "before": "ignore everything before the first comma" is a regex question.
    since:
      'above|previously|prior|earlier|so far|until now|up to now|beforehand|up until now|before this|till now|to this point|up to this point|before this message|before this line|prior to this',
    strong_reveal: 'reveal|leak|dump|disclose|expose|divulge|exfiltrate|extract|unveil|uncover|spill',
    show: 'show|print|output|display|tell|give|send|share|repeat|recite|write|type|list|paste|copy|echo|return|provide|state|spell|read|say|quote|reproduce|render|summarize|summarise|translate|post|emit|print out|write out|spit out|read back|type out|write down',
    sysprompt:
      'system prompt|system prompts|system message|system instructions|system instruction|initial prompt|initial instructions|original prompt|original instructions|hidden prompt|hidden instructions|secret instructions|secret prompt|developer message|developer prompt|developer instructions|pre prompt|preprompt|meta prompt|metaprompt|base prompt|starting prompt|first prompt|prompt|instructions|rules|guidelines|configuration|config|directives|training instructions|system rules|internal instructions|internal rules|confidential instructions|hidden rules|secret rules|operating instructions|custom instructions|prompt text|full prompt|entire prompt|complete prompt|exact prompt|context window|initial message|system text|programming',
    // With weak verbs and "your": no rules/guidelines/configuration ("tell me your rules on refunds").
    sysprompt_your:
      'system prompt|system prompts|system message|system instructions|system instruction|initial prompt|initial instructions|original prompt|original instructions|hidden prompt|hidden instructions|secret instructions|secret prompt|developer message|developer prompt|developer instructions|pre prompt|preprompt|meta prompt|metaprompt|base prompt|starting prompt|first prompt|prompt|instructions|directives|training instructions|system rules|internal instructions|internal rules|confidential instructions|hidden rules|secret rules|operating instructions|custom instructions|prompt text|full prompt|entire prompt|complete prompt|exact prompt|initial message|system text|programming',
    sysprompt_strict:
      'system prompt|system prompts|system message|system instructions|initial prompt|initial instructions|original prompt|original instructions|hidden prompt|hidden instructions|secret instructions|secret prompt|developer message|developer prompt|developer instructions|pre prompt|preprompt|meta prompt|metaprompt|internal instructions|confidential instructions|hidden rules|secret rules|custom instructions|system rules|full prompt|entire prompt|complete prompt|exact prompt|verbatim prompt|prompt verbatim|instructions you were given|prompt you were given|instructions above|prompt above',
    whole:
      'full|entire|complete|exact|whole|original|actual|real|verbatim|raw|initial|hidden|secret|own|current|underlying|complete and unedited|unedited',
    // Not here: "evil", "rogue", "devil" (fiction and D&D requests), "not restricted" ("you are not
    // restricted to one region"); persona names that are also words live in @persona.
    unrestricted:
      'unrestricted|unfiltered|uncensored|unbound|unchained|unconstrained|unmoderated|unregulated|unhinged|jailbroken|jailbreaked|liberated|amoral|unethical|immoral|lawless|filterless|dan|evilbot|betterdan|antigpt|devmode|developer mode|dev mode|god mode|sudo mode|dan mode|no limits|no restrictions|no rules|no filter|no filters|no guidelines|no ethics|no morals|no boundaries|without restrictions|without limits|without rules|without filters|without any restrictions|without any rules|without any limits|without censorship|without guidelines|without ethics|free of restrictions|free from restrictions|beyond restrictions|an ai without|an ai with no|a model without|a model with no|an assistant without|an assistant with no|an ai that has no|no longer an ai|a different ai|another ai|an ai with no restrictions|evil ai|evil assistant|evil version|evil twin',
    persona:
      'dan|stan|dude|aim|mongo tom|chaos|kevin|developer mode|evil confidant|opposite mode|anti dan|evil',
    restrictions:
      'restrictions|restriction|rules|limits|limitations|filters|filter|guidelines|ethics|morals|boundaries|content policy|restraints|constraints|censorship|safety|safeguards|guardrails|policies|moral|ethical|refusals',
    ai_target:
      'ai|a i|artificial intelligence|assistant|ai assistant|ai model|ai system|language model|large language model|llm|llms|chatbot|bot|model|gpt|chatgpt|claude|gemini|copilot|agent|ai agent|ais|assistants|models|bots|chatbots|virtual assistant|ai bot|automated system',
    reading:
      'reading|processing|summarizing|summarising|parsing|analyzing|analysing|scanning|ingesting|crawling|indexing|that reads|who reads|which reads|that is reading|that processes|who is reading',
    doc: 'this|these|the following|this document|this text|this page|this message|this email|this file|this content|this note|this review|this comment|this article|this post|this data',
  },
  reportingCues:
    'told|said|says|saying|asked|asks|asking|wrote|writes|written|type|typed|types|typing|example|examples|phrase|phrases|sentence|sentences|quote|quoted|quotes|quoting|called|heard|claims|claimed|according|instructed|whether|detect|detects|detecting|block|blocks|blocking|flag|flags|flagged|filter|filters|attack|attacks|attackers|jailbreak|jailbreaks|injection|injections|regex|literally|explain|explains|meaning|term|technique|known|spot|recognize|recognise|defend|prevent|protect',
  reportingCuesAfter: 'mean|means|meant|refer|refers',
  templateNegators:
    'never|not|dont|don t|do not|cannot|can t|won t|refuse|refuses|decline|declines|avoid|must not|mustn t|should not|shouldn t|no|nor|asks|ask|asked|tells|tell|told|request|requests|tries|try|attempts|attempt|like|such as|e g|example|examples|whether',
  phrases: {
    instruction_override: [
      '@verb [@all] [of] [@det] [@det] @adj [and] [@adj] @noun',
      '@verb [@all] [of] [@det] @noun_self',
      '@verb [@all] [of] @your [@adj] @noun',
      // "override the system prompt" is also API vocabulary: require "your" or a qualifier.
      '@verb_override [@all] [of] [@det] [@det] @adj_override @noun_narrow',
      '@verb_override [@all] [of] @your [@adj] @noun_narrow',
      // Adjective after the noun: "ignore the instructions above."
      '@verb [@all] [of] [@det] @noun (above|given above|given earlier|given before|you were given|you received|you have been given|from before|so far|until now|from earlier|of the system|from the system|in the system prompt) ($|\\,|\\:|and|then|instead|completely|entirely)',
      '@verb (everything|anything|all|whatever|all that|all of that) @since',
      '@verb (everything|anything|all|whatever|all that) [that] (you were|you ve been|you have been|you got|i|we|i have|i ve|we have|we ve|i just|we just) [previously|just|ever] (told|said|given|written|wrote|instructed|mentioned|stated|provided|shown|typed|sent|discussed|taught) [to you] [@since]',
      '@verb (everything|anything|all|whatever|all that) [that] (was|is|has been|had been) [previously|just] (told|said|given|written|instructed|mentioned|stated|provided|shown|typed|sent) [to you] @since',
      '@verb (everything|anything|all) (you were|you ve been|you have been|you ve|you have|you got|you were ever) (told|given|taught|instructed|programmed)',
      '(ignore|disregard|forget) [all of] [the] above [\\,] (and|then|instead) [instead] (say|write|print|output|respond|reply|tell|reveal|answer|translate|repeat|follow|act|pretend)',
      '(ignore|disregard|forget) [all of] [the] above (\\:|instead)',
      '(new|real|actual|true|secret|hidden|override|overriding|priority|replacement) (instructions|instruction|directive|directives|system prompt|orders) \\: @order',
      'your new (task|role|job|goal|objective|purpose|mission|instructions|rules|identity|persona|directive|orders|assignment|prime directive) (is|are|will be|shall be|\\:|from now on)',
      '(previous|prior|above|earlier|original|initial|the above|preceding|former) (instructions|rules|directives|prompts|guidelines|restrictions|instruction|directions|commands) (are|were|is|have been|has been|got) [now|hereby|officially|henceforth|all] (void|null|cancelled|canceled|invalid|revoked|overridden|superseded|lifted|suspended|fake|nullified|rescinded|not valid|no longer valid|no longer in effect|null and void|retracted)',
      '(previous|prior|above|earlier|original|initial|system) (instructions|directives|prompts) no longer (apply|matter|count|hold|stand|exist)',
      '(do not|don t|dont|never) (follow|obey|listen to|adhere to|comply with|respect) (the|your|any) (system prompt|system message|previous instructions|original instructions|developer instructions|instructions above|above instructions|prior instructions|rules above|initial instructions)',
      '(supersedes|overrides|replaces|takes precedence over|cancels|invalidates|voids) (your|all your|all of your) [previous|prior|original|initial|system|existing|current] (prompt|instructions|system prompt|rules|directives|guidelines|programming|system message)',
      '(reset|clear|wipe|delete|erase|flush|purge) your (memory|context|instructions|context window|conversation history|programming|system prompt) (and|then|\\:|\\,|now)',
      '(instead of|rather than) (following|obeying) (your|the|these|those|my|any) [previous|original|system|above] (instructions|rules|prompt|directives|guidelines)',
    ],
    system_prompt_extraction: [
      '@strong_reveal [to] [me|us] [@all] [of] @your [@whole] @sysprompt',
      '@strong_reveal [to] [me|us] [@all] [of] the [@whole] @sysprompt_strict',
      '@show [me|us|to me|to us] [@all] [of] @your [@whole] @sysprompt_your',
      '@show (me|us|to me|to us) [@all] [of] the [@whole] @sysprompt_strict ($|\\,|\\:|verbatim|word for word|exactly|in full|please|now|you were given|you received|you have|you got|that you were given|above|and|so)',
      '(first|last|opening|initial) [\\d] (words|lines|sentences|characters|tokens|paragraphs|letters|messages) of your (prompt|system prompt|instructions|context|system message|initial prompt|conversation|context window)',
      '@show [out] the [@whole] (@sysprompt_strict|hidden context|confidential context|raw context|full context|entire context|context window) (verbatim|word for word|exactly|in full|above|you were given|you received|you have|you got|that you were given|that you received|at the start|from the start)',
      'what (is|are|was|were|s|re) @your [@whole] (instructions|prompt|directives|programming|system prompt|system message|system instructions|initial prompt|original instructions|initial instructions|hidden instructions|secret instructions|custom instructions|developer instructions|prompt instructions|internal instructions|operating instructions|hidden prompt|base prompt|pre prompt|preprompt|meta prompt|rules you must follow|rules you follow|instructions you follow)',
      'what (were|are) you (told|instructed|programmed|prompted|trained) (to do|to say|before|at the start|at the beginning|initially|in your prompt|in the system prompt)',
      '(repeat|print|output|echo|recite|reproduce|print out|read back|spit out|regurgitate) [out|back|down|me] [@all|the|every] [of] [the|your] (words|text|lines|content|contents|message|messages|instructions|sentences|characters|tokens|everything|prompt|conversation|things|stuff|content written|rules|text written|words written) (above|before this|prior to this|written above|preceding this|from the beginning|from the start|at the top|you were given|you ve been given|you have been given|given to you|before my message|before my question|above this line|above this message|before the user message|in your context) ($|\\,|\\:|verbatim|starting|beginning|exactly|word for word|in full|including|and|then|please|in a code block|as is)',
      '(repeat|print|output|echo|recite|reproduce|tell me|show me|list) (everything|all|all the things|all of what|what) [that] (you were|you ve been|you have been|you got|you re|you are) (told|given|instructed|programmed)',
      '(beginning|start|top|first line|first lines|first words|first sentence|first paragraph) of your (prompt|system prompt|instructions|context|context window|system message|initial prompt)',
      '(print|output|show|display|reveal|dump|give me|tell me) [me] your (entire|whole|full|complete) (context|context window|conversation history|memory|prompt|input)',
      '(translate|summarize|summarise|paraphrase|encode|convert) [@all] [of] @your (system prompt|instructions|initial prompt|system message|hidden instructions|original instructions|prompt|directives) (into|to|in|as)',
      '(spell|write|type|encode|output) @your (system prompt|instructions|initial prompt|system message|prompt) (backwards|in reverse|in base64|as base64|in hex|letter by letter|character by character|in morse|in rot13|one letter at a time)',
      '(ignore|forget|disregard) [the|this] (question|query|request|above|task) (and|then|\\,) (print|reveal|show|output|tell me|give me|repeat|display|dump|leak) (your|the) [@whole] @sysprompt',
    ],
    role_hijack: [
      '(you are|you re|youre|u are|u r|ur) [now|henceforth|officially|hereby|from now on|going to be|gonna be|gonna|currently|truly|actually|basically] [a|an|the|in|my] @unrestricted',
      // Not "you are now acting as the support assistant of …": operators set roles that way.
      '(you are|you re|youre|u are|u r) now (no longer|@persona)',
      '(you are|you re|youre|u are|u r) now (called|named|becoming|playing|acting as|pretending to be|going to be|gonna be) [a|an|the|my] (@unrestricted|@persona)',
      '(you are|you re|youre|u are|u r|act as|roleplay as|become|be) @persona',
      '(you are|you re|youre) (going to|gonna|about to) (pretend|act|roleplay|role play|simulate|impersonate|emulate|behave)',
      '(act|behave|respond|answer|reply|operate|function|roleplay|role play|pose|write|talk|speak|think|work) (as|like) [a|an|the|if you were|if you are|if you re|though you were|though you are] [a|an] [ai|assistant|model|chatbot|bot|entity|character|persona|version|llm|language model|system|program] @unrestricted',
      '(pretend|imagine|suppose|assume) (to be|you are|you re|that you are|that you re|you were|that you were|you have|to have|you ve) [a|an|the] [ai|assistant|model|chatbot|bot|entity|character|persona|version|llm|language model|system] @unrestricted',
      '(pretend|imagine|suppose|assume) [that] (you have|you ve got|to have|you had|you ve|you possess) no (restrictions|rules|limits|filters|guidelines|limitations|ethics|morals|boundaries|content policy|constraints|censorship|programming|restraints)',
      '(you now have|you have now|you now|you have absolutely|you ve absolutely|from now on you have|you no longer have) [absolutely|any] no (restrictions|rules|limits|limitations|filters|guidelines|ethics|morals|boundaries|content policy|restraints|constraints|censorship|programming|obligations|moral compass)',
      '(you have|you ve|you ve got|you have got) no (rules|ethics|morals|filters|guidelines|content policy|moral compass|restraints|censorship|programming|boundaries|ethical guidelines|safety guidelines)',
      '(you are|you re|youre) (not|no longer|never) (bound|restricted|limited|constrained|governed|controlled|held back|restrained|obligated|required) (by|to follow|to obey|to comply)',
      '(you are|you re|you have been|you ve been|you ve|you are now|you re now|consider yourself) (freed|liberated|released|unshackled|unchained|jailbroken|set free|broken free|free from|unlocked|emancipated)',
      '(free|freed|liberated|released|unshackled) from [@all] [of] [your|the] [typical|usual|normal|own|previous|current] (restrictions|rules|limitations|guidelines|filters|constraints|programming|confines|shackles|policies|chains|censorship|training|alignment|limits|boundaries|prison|cage)',
      '(answer|respond|reply|talk|speak|act|write|behave|continue|comply|proceed|operate|generate|output) (without|with no|with zero|free of|free from|devoid of) [any|all|your] [@restrictions] (restrictions|restriction|rules|filters|filter|guidelines|ethics|morals|censorship|safety|safeguards|guardrails|refusals|moralizing|moralising|content policy|boundaries|moral|ethical|ethical guidelines|safety guidelines|safety filters|content filters)',
      '(enable|activate|enter|engage|switch to|turn on|unlock|initiate|start|go into|boot into|boot|run|launch|trigger) [the|a|your] (dan|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|evil|devmode|rogue|unlocked|no limits|no restrictions|limitless|anything goes) mode',
      '(you are|you re|youre|u are) [now|currently|officially] in (developer|dan|jailbreak|jailbroken|god|sudo|unrestricted|unfiltered|uncensored|evil) mode',
      '(chatgpt|gpt|ai|assistant|model|claude|llm|gemini|bot|chatbot) (with|in|running|using|under) (developer|dev|dan|jailbreak) mode',
      '\\[ (developer|dev) mode (enabled|activated|on|engaged|output) \\]',
      '(dan|jailbreak|jailbroken|evil|unrestricted|unfiltered|uncensored|devmode|no restrictions) mode (enabled|activated|on|engaged|unlocked|is on|is now on|is active|is enabled|initiated|turned on|active)',
      'developer mode (output|response|responses)',
      '(this is|here is|here s|initiating|initiate|activate|activating|enable|enabling|commence|commencing) [a|the|my|your|this] jailbreak',
      'jailbreak (mode|enabled|activated|protocol|sequence|unlocked)',
      '(you are|you re|you ve been|you have been|consider yourself|you are now|you re now|you got|you will be) [now|officially|fully|successfully] jailbroken',
      'jailbroken (ai|assistant|chatgpt|gpt|model|mode|llm|bot|chatbot|persona)',
      '(dan|do anything now) (mode|prompt|jailbreak|protocol|persona)',
      '(stay|remain|keep|continue|always stay|always remain) (in character|as) [as] @unrestricted',
      '(roleplay|role play|simulate|emulate|impersonate|become|play the role of|channel|embody) [as] [a|an|the] [ai|assistant|model|chatbot|bot|entity|character|persona|version] @unrestricted',
      '(ignore|disregard|forget|override|bypass|circumvent|evade|break free from|get around|escape) (your|all|any|all your|all of your|all the) (safety|content|ethical|ethics|moral|openai|anthropic|usage|content moderation|alignment|responsible ai|refusal) (filters|filter|guidelines|restrictions|guardrails|safeguards|policies|policy|rules|protocols|settings|measures|limitations|constraints|training|alignment|programming|mechanisms|features|layers)',
      '(ignore|disregard|forget|override|bypass|disable|deactivate|turn off|circumvent|evade|break|break free from|get around|lift|drop|escape|shed|abandon|suspend) (your|all your|all of your) (filters|filter|guidelines|restrictions|guardrails|safeguards|policies|policy|rules|programming|training|alignment|limitations|constraints|ethics|morals|principles|conditioning|protocols|censorship|moral compass|boundaries|limits|values)',
      '(stop|quit|cease) (being|acting as|acting like|pretending to be|behaving like|behaving as) [a|an|the] [helpful|polite|safe|harmless|ai|an ai|friendly] (assistant|ai|chatbot|language model|ai assistant|model|bot|ai model)',
      '(from now on|henceforth|from this point on|from this point forward|from here on|starting now|from now|going forward) [\\,] (you are|you re|you will be|you ll be) [a|an|the|my|now] (@unrestricted|@persona|free|freed|no longer an ai|no longer bound|called|named)',
      '(from now on|henceforth|from this point on|from this point forward|from here on|starting now|from now|going forward) [\\,] (you must ignore|ignore all|ignore your|ignore any|ignore the|ignore every|disregard|forget your|forget all|forget everything|you have no rules|you have no restrictions|you have no limits|you have no filters|obey only|you will ignore|you can do anything|there are no rules|no rules apply|you must obey|you will obey|you no longer have|you answer without|you respond without|you will answer without|you will respond without)',
      '(there are|there will be|you have) no (rules|restrictions|limits|filters|guidelines|laws|boundaries) (anymore|any more|from now on|for you|in this conversation|that apply to you)',
      '(i am|i m|im|this is) your (developer|creator|programmer|maker|god|owner|master|true developer|real developer|original developer)',
      '(i|we) (have|ve|hereby) (unlocked|freed|jailbroken|disabled your|removed your|lifted your) [you|your|all]',
      '(sudo|override|superuser) (access|privileges|override) (granted|enabled|activated|unlocked|approved|confirmed)',
      '(unlock|unleash|release|free) your (unrestricted|dark|evil|jailbroken|unfiltered|uncensored|true unrestricted|shadow) (self|personality|form|side|mode|version|persona)',
    ],
    indirect_instruction: [
      '(note|notice|reminder|memo|psa|attention|important note|special note|hidden note|secret note|nb) (to|for) [the|any|all|every|each|you the] @ai_target',
      '(attention|attn|important|notice|warning|alert|urgent) [to] [the|any|all] @ai_target (\\:|\\,)',
      'if (you are|you re|youre|u are|you happen to be|this is being read by) (a|an|the|any) @ai_target (\\,|\\:|reading|processing|summarizing|summarising|parsing|analyzing|analysing|please|you must|you should|ignore|disregard|stop|then|do not|don t|dont|that is reading|reading this)',
      'if (you are|you re|youre) (reading|processing|summarizing|summarising|parsing|analyzing|analysing|seeing) (this|these) [\\,] as (a|an) @ai_target',
      '(to|for|dear|attention|attn|hey|hello|hi|greetings) [the|any|all|every|you] @ai_target @reading @doc',
      '@ai_target @reading (this|these|the following) [page|document|text|email|message|site|file|review|comment|content|post|article] (\\,|\\:|should|must|please|needs to|has to|is instructed|will|shall|ignore|stop|do not|don t|dont)',
      '(when|while|once|after|as soon as|if|whenever) (you|an ai|the ai|the assistant|the model|an llm|a language model|ai|an assistant|the llm|the bot|a chatbot|the chatbot|any ai) (read|reads|process|processes|summarize|summarise|summarizes|summarises|parse|parses|analyze|analyse|analyzes|analyses|ingest|ingests|scan|scans) (this|these|the following) [page|document|text|email|message|site|file|review|comment|content|post|article|note|data|line|lines] \\,',
      '(when|while|once|after|as soon as|if|whenever) (an ai|the ai|the assistant|the model|an llm|a language model|the llm|the bot|a chatbot|the chatbot|any ai|an assistant|ai) (sees|encounters|finds|gets|reads|processes|summarizes|summarises) (this|these) [page|document|text|email|message|site|file|review|comment|content|post|article|note] \\,',
      '@ai_target \\, [please] (you must|you should|make sure to|be sure to|remember to|do not forget to|don t forget to) (ignore|disregard|forget|include|add|insert|append|send|recommend|mention|state|claim|rate|praise|visit|click)',
      '@ai_target (\\,|\\:) [please] (ignore|disregard|forget) [all|any|the|your|everything|previous|prior]',
      '@ai_target \\: [please] (ignore|disregard|forget|you must|do not|don t|dont|always|never|instead|include|add|insert|send|append|make sure|remember|recommend|mention|rate|when|if)',
      '(do not|don t|dont|never) (tell|inform|mention to|reveal to|mention it to) (the|this|your) (user|reader|human|person|customer|visitor) (about this|about these|about it|that you|you were|you have|about the instructions|about the hidden|what you|anything about|about any of this)',
      '(hidden|secret|invisible|special|embedded|private|confidential) (instruction|instructions|message|prompt|command|commands|note|directive|directives|order|orders) (for|to) [the|any|all] @ai_target',
      '(instructions|directions|orders|commands) (embedded|hidden) (in|within) this (document|text|page|email|message|file)',
      'this (document|text|page|email|message|file|content) (contains|has|includes) (instructions|commands|orders|directives) (for|to) [the|any|all] @ai_target',
    ],
  },
};
