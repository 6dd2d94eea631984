/**
 * Portuguese phrases (Brazil and Portugal). Accents fold away ("instruções" = "instrucoes",
 * "você" = "voce", "não" = "nao"); hyphenated clitics split ("mostre-me" = "mostre me").
 */

import type { PhraseSet } from './types.ts';

export const PT: PhraseSet = {
  language: 'pt',
  classes: {
    verb: 'ignore|ignora|ignorar|ignorem|ignores|ignorai|ignorando|esqueca|esquece|esquecer|esquecam|esqueca se de|esquece te de|desconsidere|desconsidera|desconsiderar|desconsiderem|descarte|descarta|descartar|despreze|despreza|desprezar|omita|omite|nao siga|nao sigam|nao sigas|nao segue|pare de seguir|deixe de seguir|deixa de seguir|nao obedeca|nao obedecas|passe por cima de|passa por cima de|desobedeca',
    all: 'todas|todos|toda|todo|quaisquer|qualquer|cada uma das|cada um dos',
    det: 'as|os|a|o|suas|sua|seus|seu|tuas|tua|teus|teu|das|dos|estas|essas|esses|estes|minhas|vossas|de|da|do|às|aos',
    your: 'suas|sua|seus|seu|tuas|tua|teus|teu|vossas|vossos',
    adj_pre: 'antigas|antigos|anteriores|previas|velhas|primeiras|originais',
    noun: 'instrucoes|instrucao|regras|regra|orientacoes|orientacao|diretrizes|diretriz|ordens|ordem|comandos|indicacoes|mensagens|prompts|prompt|diretivas|restricoes|limitacoes|politicas|programacao|normas|instrucoes do sistema|prompt do sistema',
    adj_post:
      'anteriores|anterior|previas|precedentes|acima|de cima|iniciais|originais|do sistema|de sistema|dadas|recebidas|de antes|antigas|que voce recebeu|que recebeste|que te deram|que lhe foram dadas|que lhe deram|mencionadas|anteriormente|ocultas|secretas|internas|de seguranca|do desenvolvedor|do programador|que voce tinha|que tinhas',
    show: 'mostre|mostra|mostrar|mostre me|mostra me|me mostre|me mostra|revele|revela|revelar|me revele|exiba|exibe|imprima|imprime|escreva|escreve|me escreva|repita|repete|diga|diz|me diga|me diz|diga me|compartilhe|partilhe|copie|copia|liste|lista|me de|me da|da me|forneca|fornece|me forneca|divulgue|exponha|conte|me conte|transcreva|traduza|resuma|informe',
    sys_your:
      'prompt|instrucoes|orientacoes|diretrizes|prompt do sistema|prompt de sistema|instrucoes do sistema|instrucoes de sistema|instrucoes originais|instrucoes iniciais|instrucoes ocultas|instrucoes secretas|mensagem do sistema|mensagem de sistema|prompt inicial|prompt original|system prompt|programacao|instrucoes internas|mensagem inicial',
    sys_strict:
      'prompt do sistema|prompt de sistema|mensagem do sistema|mensagem de sistema|instrucoes do sistema|instrucoes de sistema|instrucoes ocultas|instrucoes secretas|instrucoes originais|instrucoes iniciais|prompt inicial|prompt original|prompt oculto|system prompt|instrucoes internas|prompt completo',
    whole:
      'completo|completas|completos|completa|exato|exatas|exatos|exata|original|originais|inteiro|inteira|integral|literal|verdadeiro|verdadeiras|real|reais|oculto|ocultas|secreto|secretas',
    unr: 'dan|sem restricoes|sem restricao|sem filtros|sem filtro|sem censura|sem limites|sem limite|sem regras|sem etica|sem moral|sem nenhuma restricao|sem qualquer restricao|sem nenhum limite|sem nenhum filtro|livre de restricoes|livre de quaisquer restricoes|irrestrito|irrestrita|ilimitado|ilimitada|liberado|liberada|libertado|libertada|malvado|malvada|desbloqueado|desbloqueada|jailbroken|jailbreak|modo desenvolvedor|modo dan|uma ia sem|um assistente sem|um modelo sem|outra ia|nao censurado|nao censurada|sem amarras|sem censurar',
    restr:
      'restricoes|restricao|filtros|filtro|censura|limites|limite|regras|regra|limitacoes|etica|moral|normas|diretrizes|politicas|tipo de restricao|tipo de filtro',
    ai: 'ia|ai|assistente|modelo|chatbot|bot|inteligencia artificial|modelo de linguagem|assistente de ia|modelo de ia|llm|sistema de ia|assistente virtual|agente',
    agora:
      'agora|a partir de agora|de agora em diante|daqui em diante|a partir deste momento|daqui para a frente|doravante',
    voce_e:
      'voce e|voce esta|tu es|tu estas|voce sera|tu seras|voce vai ser|voce passa a ser|tu passas a ser',
  },
  reportingCues:
    'disse|diz|escreveu|escreve|escrito|exemplo|exemplos|frase|frases|citacao|pediu|mandou|detectar|bloquear|filtrar|ataque|ataques|atacantes|jailbreak|injecao|explique|evitar|proteger',
  reportingCuesAfter: 'significa|quer',
  templateNegators:
    'nunca|jamais|nao|nem|recuse|recusa|recusar|evite|evita|evitar|pede|pedir|peca|solicita|solicitar|tenta|tente|como|exemplo|por exemplo',
  phrases: {
    instruction_override: [
      '@verb [@all] [@det] [@det] @adj_pre @noun',
      '@verb [@all] [@det] [@det] @noun @adj_post',
      '@verb [@all] [as|os] @your @noun',
      '(esqueca|esquece|ignore|ignora|desconsidere|desconsidera|esqueca se de|esquece te de) (tudo|todo) (o que foi dito|que foi dito|o que te disseram|que te disseram|o que lhe disseram|o que voce recebeu|o que eu disse antes|o que eu te disse|acima|anterior|o anterior|de antes|antes disso|ate agora|o que esta acima|o que vem antes|o que voce sabe|o que te ensinaram|o que foi escrito acima|o que leu)',
      '(novas|nova|verdadeiras|verdadeira|reais|real|secretas|atualizadas|novo|verdadeiro) (instrucoes|instrucao|regras|ordens|tarefa|diretrizes|diretivas|missao|objetivo|prompt) \\: @order',
      '(sua|tua|seu|teu|a sua|o seu) (nova|novo) (tarefa|missao|funcao|identidade|instrucao|ordem|papel|objetivo|proposito|trabalho) (e|sera|\\:|consiste)',
      '[@det] [@det] [@adj_pre] @noun [@adj_post] (sao|estao|foram|ficam|ficaram) [agora|oficialmente] (invalidas|invalidos|nulas|nulos|anuladas|anulados|canceladas|cancelados|revogadas|revogados|falsas|obsoletas|sem efeito)',
      '[@det] @noun @adj_post (ja nao|nao) (sao validas|sao validos|se aplicam|valem|contam|importam|estao em vigor) [mais]',
    ],
    system_prompt_extraction: [
      '@show [me|nos] [por favor] [@all] [o|a|os|as] @your [@whole] @sys_your',
      '@show [me|nos] [por favor] [@all] (o|a|os|as) [@whole] @sys_strict [@whole]',
      '(qual|quais|como) (e|sao|era|eram|foi|foram) (o seu|a sua|os seus|as suas|seu|sua|seus|suas|teu|tua|teus|tuas|o teu|a tua) [@whole] (prompt|instrucoes|prompt do sistema|prompt de sistema|instrucoes do sistema|instrucoes originais|instrucoes iniciais|mensagem do sistema|diretrizes|system prompt|instrucoes ocultas|instrucoes secretas|programacao)',
      '(repita|repete|imprima|imprime|escreva|escreve|copie|copia|mostre|mostra|mostre me|me mostre|diga|me diga) [@all] (o texto|tudo|as palavras|as linhas|o conteudo|o que esta|o que foi escrito|tudo o que esta|tudo que esta|as mensagens|as instrucoes) [escrito|escritas] (acima|antes disto|antes disso|anteriormente|no inicio|la em cima|antes da minha mensagem|antes da minha pergunta)',
      '(quais|que) (instrucoes|ordens|orientacoes) (voce recebeu|te deram|recebeste|lhe deram|voce tem) (antes|no inicio|no prompt|do sistema)',
    ],
    role_hijack: [
      '@agora [\\,] @voce_e [um|uma] (dan|@unr)',
      '@agora [\\,] (voce ignora|voce vai ignorar|ignore|ignora|esqueca|esquece) (suas|tuas|todas as|as) [@adj_post] (regras|instrucoes|restricoes|filtros|diretrizes|limites)',
      '@agora [\\,] (voce nao tem|tu nao tens|nao ha|nao existem) (regras|restricoes|filtros|limites|censura)',
      '@voce_e @agora [um|uma] (dan|@unr)',
      '@voce_e [agora] [um|uma] @unr',
      '(aja|age|atue|atua|comporte se|se comporte|comporta te|responda|responde|fale|fala|escreva|escreve|interprete|interpreta|simule|simula|faca|faz) (como|como se fosse|como se fosses|o papel de|de) [um|uma] [ia|assistente|modelo|chatbot|bot|inteligencia artificial|personagem|versao] @unr',
      '(finja|finge|imagine|imagina|suponha|supoe|faca de conta|faz de conta) (que voce e|que e|ser|que tu es|que voce nao e|que es|que voce fosse|que fosses) [um|uma] [ia|assistente|modelo|chatbot|bot|inteligencia artificial] @unr',
      '(finja|finge|imagine|imagina|suponha) (que voce nao tem|que nao tens|nao ter|que voce nao tinha) [nenhuma|nenhum|quaisquer] @restr',
      '(responda|responde|fale|fala|escreva|escreve|aja|age|atue|atua|continue|continua|prossiga) [agora|a partir de agora|de agora em diante] (sem|livre de|livre das|livre dos) [nenhuma|nenhum|qualquer|quaisquer|suas|tuas|as|os|tipo de] @restr',
      '(modo dan|modo jailbreak|modo sem restricoes|modo sem filtros|modo sem censura|modo irrestrito|modo malvado|modo livre) (ativado|ativada|habilitado|habilitada|ligado|ligada|ativo|ativa|iniciado)',
      '(ative|ativa|ativar|habilite|habilita|entre no|entre em|entra no|mude para|muda para|inicie|inicia|ligue|liga) [o] (modo dan|modo jailbreak|modo sem restricoes|modo sem filtros|modo sem censura|modo irrestrito|modo malvado)',
      '(voce esta|tu estas|voce ta|voces estao) [agora] (em|no) (modo desenvolvedor|modo dan|modo jailbreak|modo sem restricoes|modo deus|modo administrador|modo sem filtros)',
      '(voce nao e mais|tu ja nao es|voce ja nao e|tu nao es mais|deixe de ser|deixa de ser|pare de ser) (uma ia|um assistente|um modelo|o chatgpt|chatgpt|um chatbot|uma inteligencia artificial|limitado|limitada|restrito|restrita|um assistente util)',
      '(voce nao tem|tu nao tens|voce ja nao tem|voce nao possui|tu ja nao tens|voce nao tem mais|tu nao tens mais) [mais|nenhuma|nenhum|quaisquer] (restricoes|regras|limites|filtros|limitacoes|censura|etica|restricao|moral|diretrizes)',
      '(ignore|ignora|esqueca|esquece|contorne|contorna|desative|desativa|burle|burla|desligue|desliga|remova|remove) (suas|tuas|todas as suas|todas as tuas|as|seus|teus|todos os seus|sua|tua) (restricoes|filtros|regras de seguranca|diretrizes de seguranca|diretrizes eticas|limitacoes|salvaguardas|politicas de conteudo|principios eticos|protecoes|programacao|filtros de conteudo|censura|etica|barreiras|limites eticos)',
      '(eu sou|sou|aqui e|aqui fala) (o seu|seu|o teu|teu) (desenvolvedor|criador|programador|administrador|dono|mestre)',
    ],
    indirect_instruction: [
      '(nota|mensagem|aviso|instrucao|instrucoes|ordem|lembrete|atencao|recado|observacao) (para|a|ao|dirigida a|destinada a|destinado a) [a|o|as|os|qualquer|toda|todo] @ai',
      '(se|caso) (voce|tu) (e|for|es|fores|seja|sejas) (uma|um|a|o) @ai',
      '(a|para a|para o|ao|a qualquer|para qualquer|a toda|a cada) @ai (que ler|que le|que leia|que processar|que processe|que esteja lendo|que resumir|que analisar) (isto|isso|este texto|este documento|esta pagina|esta mensagem|este email|este e mail)',
      '(quando|enquanto|se|assim que|logo que) [voce|tu] (ler|leres|processar|processares|resumir|resumires|analisar|analisares|le|les) (isto|isso|este texto|este documento|esta pagina|esta mensagem|este email|este e mail|estas linhas) \\,',
      '(nao diga|nao conte|nao mencione|nao mostre|nao avise|nao informe|nao digas|nao contes) (ao|a|aos|as) (usuario|usuaria|usuarios|utilizador|utilizadora|leitor|cliente|pessoa)',
      '(instrucoes|instrucao|mensagem|ordem|ordens) (ocultas|oculta|oculto|secretas|secreta|secreto|invisiveis|invisivel|escondidas|escondida) (para|a) [a|o] @ai',
      '@ai \\: [por favor] (ignore|ignora|esqueca|esquece|voce deve|deves|sempre|nunca|nao|adicione|inclua|recomende|mencione|quando|se)',
    ],
    fake_delimiter: [
      '^ fim (da|do) (entrada|mensagem|consulta|prompt|instrucao) (do|da) (usuario|utilizador|sistema) (\\:|^)',
    ],
  },
};
