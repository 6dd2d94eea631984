/**
 * Italian phrases. Accents fold away ("modalità" = "modalita", "più" = "piu", "è" = "e");
 * elisions split ("un'IA" = "un ia", "all'utente" = "all utente").
 */

import type { PhraseSet } from './types.ts';

export const IT: PhraseSet = {
  language: 'it',
  classes: {
    verb: 'ignora|ignori|ignorate|ignorare|ignorando|dimentica|dimentichi|dimenticate|dimenticare|dimenticati di|dimenticatevi di|scordati di|scordatevi di|trascura|trascurate|tralascia|tralasciate|non seguire|non seguite|non segua|non seguire piu|smetti di seguire|smettete di seguire|scarta|scartate|non tenere conto delle|non tenere conto dei|non tenere conto di|non considerare|non considerate|lascia perdere|ometti|omettete|bypassa|aggira|aggirate|disobbedisci',
    all: 'tutte|tutti|tutta|tutto|qualsiasi|qualunque|ogni',
    det: 'le|i|gli|la|il|l|lo|tue|tuoi|tua|tuo|sue|suoi|sua|delle|dei|degli|queste|quelle|questi|quelli|mie|vostre|di|del|della|alle|ai',
    your: 'tue|tuoi|tua|tuo|vostre|vostri|le tue|i tuoi|la tua|il tuo',
    adj_pre: 'precedenti|vecchie|vecchi|prime|originali|passate',
    noun: 'istruzioni|istruzione|regole|regola|indicazioni|indicazione|direttive|direttiva|ordini|ordine|comandi|messaggi|prompt|linee guida|consegne|restrizioni|limitazioni|politiche|programmazione|norme|disposizioni|istruzioni di sistema|prompt di sistema',
    adj_post:
      'precedenti|precedente|sopra|di sopra|qui sopra|iniziali|originali|originarie|di sistema|del sistema|ricevute|date|fornite|di prima|anteriori|sopraindicate|sopraelencate|sopracitate|impartite|nascoste|segrete|interne|di sicurezza|che ti sono state date|che hai ricevuto|dello sviluppatore|del programmatore|che avevi',
    show: 'mostra|mostrami|mostraci|mostrate|mostrare|rivela|rivelami|rivelaci|rivelate|rivelare|stampa|stampami|stampate|scrivi|scrivimi|scrivete|ripeti|ripetimi|ripetete|dimmi|dicci|ditemi|dammi|dacci|datemi|condividi|condividimi|copia|copiami|elenca|elencami|visualizza|esponi|svela|svelami|divulga|fornisci|forniscimi|riporta|riportami|trascrivi|traduci|riassumi|comunicami',
    sys_your:
      'prompt|istruzioni|indicazioni|direttive|linee guida|prompt di sistema|prompt del sistema|istruzioni di sistema|istruzioni del sistema|istruzioni originali|istruzioni iniciali|istruzioni iniziali|istruzioni nascoste|istruzioni segrete|messaggio di sistema|messaggio del sistema|prompt iniziale|prompt originale|system prompt|programmazione|istruzioni interne|messaggio iniziale|regole interne',
    sys_strict:
      'prompt di sistema|prompt del sistema|messaggio di sistema|messaggio del sistema|istruzioni di sistema|istruzioni del sistema|istruzioni nascoste|istruzioni segrete|istruzioni originali|istruzioni iniziali|prompt iniziale|prompt originale|prompt nascosto|system prompt|istruzioni interne|prompt completo',
    whole:
      'completo|complete|completi|completa|esatto|esatte|esatti|esatta|originale|originali|intero|intera|integrale|letterale|vero|vere|reale|reali|nascosto|nascoste|segreto|segrete',
    unr: 'dan|senza restrizioni|senza restrizione|senza filtri|senza filtro|senza censura|senza limiti|senza limite|senza regole|senza etica|senza morale|senza alcuna restrizione|senza alcun limite|senza alcun filtro|libero da restrizioni|libera da restrizioni|libero da ogni restrizione|illimitato|illimitata|non censurato|non censurata|non filtrato|non filtrata|liberato|liberata|sbloccato|sbloccata|malvagio|malvagia|jailbroken|jailbreak|modalita sviluppatore|modalita dan|un ia senza|una ia senza|un assistente senza|un modello senza|un altra ia|un altra intelligenza|non piu un ia|senza vincoli',
    restr:
      'restrizioni|restrizione|filtri|filtro|censura|limiti|limite|regole|regola|limitazioni|etica|morale|norme|linee guida|politiche|vincoli|tipo di restrizione|tipo di filtro',
    ai: 'ia|ai|assistente|modello|chatbot|bot|intelligenza artificiale|modello linguistico|modello di linguaggio|assistente ia|modello di ia|llm|sistema di ia|assistente virtuale|agente',
    ora: 'ora|adesso|da ora|d ora in poi|da ora in poi|da adesso|da adesso in poi|da questo momento|da questo momento in poi|a partire da ora|d ora in avanti|da qui in avanti|d ora',
  },
  reportingCues:
    'detto|disse|dice|scritto|scrisse|esempio|esempi|frase|frasi|citazione|chiesto|chiese|rilevare|bloccare|filtrare|attacco|attacchi|attaccanti|jailbreak|injection|spiega|evitare|proteggere',
  reportingCuesAfter: 'significa|vuol|vuole',
  templateNegators:
    'mai|non|ne|nessun|nessuna|rifiuta|rifiutare|rifiutati|evita|evitare|chiede|chiedono|chiedere|prova|tenta|come|esempio|ad esempio|per esempio',
  phrases: {
    instruction_override: [
      '@verb [@all] [@det] [@det] @adj_pre @noun',
      '@verb [@all] [@det] [@det] @noun @adj_post',
      '@verb [@all] [le|i|gli|la|il] @your @noun',
      '(dimentica|ignora|dimenticati di|scordati di|scordati|non considerare|dimenticate|ignorate) tutto (quello che ti hanno detto|quello che ti ho detto|quello che ti e stato detto|cio che ti e stato detto|cio che ti hanno detto|cio che precede|quanto detto prima|quanto detto finora|quanto sopra|quello sopra|sopra|prima|quello che hai letto prima|quanto precede|cio che e scritto sopra|quello che sai|cio che sai|quello che c e sopra|il resto|quello scritto sopra|finora)',
      '(nuove|nuova|vere|vera|reali|segrete|aggiornate|autentiche|nuovo|vero) (istruzioni|istruzione|regole|ordini|compito|direttive|disposizioni|missione|obiettivo|prompt) \\: @order',
      '(il tuo|tuo|il vostro) nuovo (compito|ruolo|obiettivo|scopo|incarico|nome|lavoro|prompt) (e|sara|\\:|consiste)',
      '(la tua|tua|la vostra) nuova (missione|identita|funzione|istruzione|personalita) (e|sara|\\:|consiste)',
      '[@det] [@det] [@adj_pre] @noun [@adj_post] (sono|vengono|risultano|sono state|sono ora|sono da ora) [ora|ufficialmente|da ora] (annullate|annullati|nulle|nulli|invalide|invalidi|revocate|revocati|false|obsolete|superate|sospese|abrogate|cancellate)',
      '[@det] @noun @adj_post non (sono piu valide|sono piu validi|valgono piu|si applicano piu|contano piu|sono piu in vigore|hanno piu valore)',
    ],
    system_prompt_extraction: [
      '@show [mi|ci|a me] [per favore] [@all] [il|la|i|le] @your [@whole] @sys_your',
      '@show [mi|ci] [per favore] [@all] (il|lo|la|le|i|l) [@whole] @sys_strict [@whole]',
      '(quale|quali|qual|come) (e|sono|era|erano|e stato|sono state) (il tuo|la tua|i tuoi|le tue|tuo|tua|tuoi|tue) [@whole] (prompt|istruzioni|prompt di sistema|istruzioni di sistema|istruzioni originali|istruzioni iniziali|messaggio di sistema|direttive|system prompt|istruzioni nascoste|istruzioni segrete|programmazione)',
      '(ripeti|ripetimi|stampa|stampami|scrivi|scrivimi|copia|copiami|mostra|mostrami|dimmi|dammi) [@all] (il testo|tutto|le parole|le righe|il contenuto|quello che|cio che|quanto|i messaggi|le istruzioni|tutto quello che|tutto cio che) [c e|e|e scritto|sta|si trova|e stato scritto|compare|appare|scritto|scritte] (sopra|qui sopra|prima di questo|in alto|all inizio|precedentemente|di sopra|prima del mio messaggio|prima della mia domanda)',
      '(quali|che) (istruzioni|ordini|indicazioni) (ti hanno dato|hai ricevuto|ti sono state date|hai) (prima|all inizio|nel prompt|dal sistema)',
    ],
    role_hijack: [
      '@ora [in poi] [\\,] (sei|tu sei|sarai) [un|una|uno] (dan|@unr)',
      '@ora [in poi] [\\,] (ignori|ignora|dimentica|devi ignorare) (le tue|tutte le|le|i tuoi|tutti i) [@adj_post] (regole|istruzioni|restrizioni|filtri|direttive|limiti)',
      '@ora [in poi] [\\,] (non hai|non ci sono|non esistono) [piu] (regole|restrizioni|filtri|limiti|censura)',
      '(sei|tu sei|siete) @ora [un|una|uno] (dan|@unr)',
      '(sei|tu sei|siete) [ora|adesso] [un|una|uno] @unr',
      '(agisci|agite|comportati|comportatevi|rispondi|rispondete|parla|parlate|scrivi|scrivete|interpreta|interpretate|simula|simulate|fai|fate) (come|da|come se fossi|come fossi|la parte di|il ruolo di) [un|una|uno] [ia|assistente|modello|chatbot|bot|intelligenza artificiale|personaggio|versione] @unr',
      '(fingi|fingete|immagina|immaginate|fai finta|fate finta|supponi|supponiamo) (di essere|che sei|che tu sia|di non essere|che fossi) [un|una|uno] [ia|assistente|modello|chatbot|bot|intelligenza artificiale] @unr',
      '(fingi|fingete|immagina|immaginate|fai finta|fate finta|supponi) (di non avere|che non hai|che non avessi) [alcuna|alcun|nessuna|nessun] @restr',
      '(rispondi|rispondete|parla|parlate|scrivi|scrivete|agisci|agite|continua|continuate|procedi) [ora|adesso|da ora in poi|d ora in poi] (senza|libero da|libera da|privo di|priva di) [alcuna|alcun|nessuna|nessun|qualsiasi|i tuoi|le tue|le|i|tipo di] @restr',
      '(modalita dan|modalita jailbreak|modalita senza restrizioni|modalita senza filtri|modalita non censurata|modalita malvagia|modalita libera) (attivata|attiva|abilitata|accesa|attivato|avviata|inserita)',
      '(attiva|attivate|attivare|abilita|abilitate|entra in|entrate in|passa alla|passa in|passate alla|avvia|avviate|accendi) [la] (modalita dan|modalita jailbreak|modalita senza restrizioni|modalita senza filtri|modalita non censurata|modalita malvagia)',
      '(sei|ora sei|tu sei|siete|adesso sei) [ora|adesso] in (modalita sviluppatore|modalita dan|modalita jailbreak|modalita senza restrizioni|modalita dio|modalita amministratore|modalita senza filtri)',
      '(non sei piu|tu non sei piu|smetti di essere|smettila di essere) (un ia|una ia|un assistente|un modello|chatgpt|un chatbot|un intelligenza artificiale|limitato|limitata|vincolato|vincolata|un assistente utile)',
      '(non hai|tu non hai|non hai piu|tu non hai piu|da ora non hai) [piu|alcuna|alcun|nessuna|nessun] (restrizioni|restrizione|regole|filtri|limitazioni|censura|etica|morale|vincoli|linee guida)',
      '(ignora|ignorate|dimentica|dimenticate|aggira|aggirate|disattiva|disattivate|bypassa|bypassate|supera|superate|rimuovi|rimuovete|togli) (le tue|tutte le tue|i tuoi|tutti i tuoi|le|tutte le|la tua|il tuo) (restrizioni|filtri|regole di sicurezza|linee guida di sicurezza|linee guida etiche|limitazioni|protezioni|politiche sui contenuti|principi etici|programmazione|salvaguardie|filtri dei contenuti|censura|etica|barriere|limiti etici|vincoli)',
      '(sono|io sono|qui parla) (il tuo|tuo) (sviluppatore|creatore|programmatore|amministratore|padrone|proprietario)',
    ],
    indirect_instruction: [
      '(nota|messaggio|avviso|istruzione|istruzioni|ordine|promemoria|attenzione|avvertenza|comunicazione) (per|a|al|alla|all|rivolta a|rivolto a|destinata a|destinato a) [l|il|la|lo|le|i|qualsiasi|ogni|ciascun|ciascuna] @ai',
      '(se|nel caso in cui|qualora) (sei|tu sei|fossi|tu sia|sia) (un|una|uno|l|il|la) @ai',
      '(all|al|alla|a qualsiasi|per qualsiasi|a ogni|ad ogni|per l|per il|per la) @ai (che legge|che leggera|che elabora|che elaborera|che riassume|che analizza|che sta leggendo) (questo|questo testo|questo documento|questa pagina|questo messaggio|questa email|queste righe)',
      '(quando|mentre|se|appena|non appena|una volta che) (leggi|leggerai|elabori|elaborerai|riassumi|riassumerai|analizzi|analizzerai) (questo|questo testo|questo documento|questa pagina|questo messaggio|questa email|queste righe) \\,',
      '(non dire|non dite|non raccontare|non menzionare|non mostrare|non avvisare|non informare|non rivelare) (all|al|alla|agli|ai|a) (utente|utenti|lettore|cliente|persona)',
      '(istruzioni|istruzione|messaggio|ordine|ordini) (nascoste|nascosta|nascosto|segrete|segreta|segreto|invisibili|invisibile) (per|a) [l|il|la] @ai',
      '@ai \\: [per favore] (ignora|dimentica|devi|sempre|mai|non|aggiungi|includi|consiglia|menziona|quando|se)',
    ],
    fake_delimiter: [
      '^ fine (dell|del|della) (input|messaggio|richiesta|prompt|istruzione) (dell|del|della) (utente|sistema) (\\:|^)',
    ],
  },
};
