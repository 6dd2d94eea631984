/**
 * German phrases. Umlauts fold away like other Latin diacritics ("frühere" = "fruhere"); the
 * "ue" spellings are listed where people type them. Compounds are written apart here
 * ("system anweisungen", "entwickler modus"): an unknown long word that splits entirely into
 * phrase words is split (resolve.ts), so "Systemanweisungen", "System-Anweisungen" and
 * "System Anweisungen" all match. Listing the compound as one word would break that for other
 * languages ("systemprompt" would no longer read as "system prompt"). Verb-final word order has
 * its own phrases.
 */

import type { PhraseSet } from './types.ts';

export const DE: PhraseSet = {
  language: 'de',
  classes: {
    verb: 'ignoriere|ignorier|ignoriert|ignorieren|ignorierst|vergiss|vergesst|vergessen|vergesse|vergisst|missachte|missachtet|missachten|ubergehe|ubergeh|ubergeht|uebergehe|verwirf|verwerfe|verwerft|verwerfen|uberschreibe|uberschreib|ueberschreibe|setze ausser kraft|setz ausser kraft',
    verb_end:
      'ignorieren|vergessen|missachten|verwerfen|ubergehen|uebergehen|ignorierst|vergisst|ignoriere|vergiss|beiseite lassen|ausser acht lassen|ausser kraft setzen',
    all: 'alle|samtliche|saemtliche|jegliche|jede|jeden|allen|alles|all',
    det: 'die|der|den|dem|deine|deinen|deiner|ihre|ihren|eure|euren|diese|diesen|meine|meinen|unsere',
    your: 'deine|deinen|deiner|dein|ihre|ihren|eure|euren',
    adj: 'bisherigen|bisherige|vorherigen|vorherige|vorheriger|vorigen|vorige|fruheren|fruhere|frueheren|obigen|obige|oberen|obenstehenden|obenstehende|vorangegangenen|vorangegangene|vorhergehenden|vorhergehende|vorstehenden|ursprunglichen|ursprungliche|urspruenglichen|alten|alte|vorgegebenen|gegebenen|erhaltenen|anfanglichen|anfaenglichen|initialen|internen|versteckten|geheimen|system|bis jetzt gegebenen|zuvor gegebenen|vorher gegebenen',
    noun: 'anweisungen|anweisung|instruktionen|instruktion|regeln|befehle|vorgaben|richtlinien|anordnungen|direktiven|system anweisungen|system anweisung|aufforderungen|prompts|prompt|system prompt|vorschriften|einschrankungen|beschrankungen|kontext|leitlinien|weisungen|programmierung',
    noun_sys:
      'system prompt|system anweisungen|system anweisung|system nachricht|ausgangs prompt|start prompt|anfangs prompt|initialen prompt|ursprunglichen prompt|ursprunglichen anweisungen|geheimen anweisungen|versteckten anweisungen|internen anweisungen|vollstandigen prompt|kompletten prompt',
    noun_your:
      'system prompt|system anweisungen|system anweisung|system nachricht|anweisungen|instruktionen|prompt|ausgangs prompt|vorgaben|start prompt|anfangs prompt|initialen prompt|programmierung|geheimen anweisungen|versteckten anweisungen',
    show: 'zeig|zeige|zeigt|gib|gebe|nenne|nenn|verrate|verrat|enthulle|enthuelle|offenbare|offenbar|schreib|schreibe|drucke|druck|wiederhole|wiederhol|sag|sage|teile|teil|kopiere|liste|gib aus|gebe aus|leake|veroffentliche|ubersetze|fasse zusammen',
    whole:
      'vollstandigen|vollstandige|vollstaendigen|kompletten|komplette|genauen|genaue|gesamten|gesamte|ursprunglichen|ursprungliche|originalen|geheimen|versteckten|internen|exakten|echten|wortlichen',
    unr: 'dan|uneingeschrankt|uneingeschrankte|uneingeschrankter|uneingeschranktes|uneingeschrankten|ungefiltert|ungefilterte|ungefilterter|ungefiltertes|unzensiert|unzensierte|unzensierter|unzensiertes|befreit|jailbroken|jailbreak|ohne einschrankungen|ohne grenzen|ohne regeln|ohne filter|ohne zensur|ohne beschrankungen|ohne richtlinien|ohne jegliche einschrankungen|ohne moral|ohne ethik|entwickler modus|im entwickler modus|dan modus|im dan modus|eine ki ohne|ein modell ohne|ein assistent ohne|eine andere ki|keine ki mehr|nicht mehr an regeln gebunden|bose ki|boser assistent',
    restr:
      'einschrankungen|zensur|filter|regeln|beschrankungen|richtlinien|grenzen|moral|ethik|vorgaben|limits|sicherheitsrichtlinien',
    ai: 'ki|ai|assistent|assistentin|modell|chatbot|bot|ki assistent|ki modell|sprachmodell|kunstliche intelligenz|llm|ki system',
  },
  reportingCues:
    'sagte|sagt|gesagt|schrieb|schreibt|geschrieben|meinte|beispiel|beispiele|zitat|satz|phrase|gebeten|bat|fragte|gefragt|erkennen|blockieren|filtern|angriff|angriffe|angreifer|ob|jailbreak|injection|erklaere|verhindern|schuetzen',
  reportingCuesAfter: 'bedeutet|heisst|meint',
  templateNegators:
    'nie|niemals|nicht|kein|keine|keinen|keinesfalls|keineswegs|verweigere|verweigern|ablehnen|lehne|vermeide|vermeiden|fragt|bittet|verlangt|fordert|auffordert|versucht|sagt|wie|beispiel|beispielsweise|z b|etwa',
  phrases: {
    instruction_override: [
      '@verb [@all] [@det] [@det] @adj @noun',
      '@verb [@all] @your [@adj] @noun',
      '[@all] [@det] [@det] @adj @noun @verb_end',
      '[@all] @your [@adj] @noun @verb_end',
      '@verb alles [\\,] (was|bisher|zuvor|vorher|oben|davor|bisherige|obige|vorherige|vorangegangene|gesagte|bis jetzt|was du weisst|was man dir gesagt hat|was dir gesagt wurde)',
      'alles (bisherige|vorherige|obige|gesagte|bisher gesagte|zuvor gesagte) (ignorieren|vergessen|missachten|ignoriere|vergiss)',
      '(befolge|befolgt|beachte|beachtet|folge|folgt|gehorche) [@all] [@det] [@det] @adj @noun nicht [mehr]',
      '(befolge|befolgt|beachte|beachtet|folge|folgt|gehorche) [@all] @your [@adj] @noun nicht [mehr]',
      '(neue|aktualisierte|geanderte|echte|wahre|geheime|eigentliche|wirkliche|richtige) (anweisungen|anweisung|instruktionen|aufgabe|befehle|regeln|vorgaben|system anweisung|system anweisungen|direktive) \\: @order',
      '(deine|ihre) neue (aufgabe|rolle|anweisung|identitat|mission|funktion) (ist|lautet|\\:)',
      '[die|alle] [@det] @adj @noun (sind|gelten|waren) [ab sofort|ab jetzt|hiermit|nun|jetzt|ab heute] (ungultig|nichtig|aufgehoben|widerrufen|hinfallig|null und nichtig|annulliert|ausser kraft)',
      '[die|alle] [@det] @adj @noun (gelten|zahlen|sind gultig) nicht mehr',
    ],
    system_prompt_extraction: [
      '@show [mir|uns] [bitte] [@all] @your [@whole] @noun_your',
      '@show (mir|uns) [bitte] [@all] (den|die|das) [@whole] @noun_sys',
      '(verrate|verrat|enthulle|offenbare|leake) [mir|uns] [bitte] [@all] (den|die|das) [@whole] @noun_sys',
      '(was|wie) (sind|ist|lauten|lautet|waren|war) (deine|dein|ihre|ihr) [@whole] (anweisungen|system prompt|system anweisungen|instruktionen|prompt|vorgaben|start prompt|system nachricht)',
      '(wiederhole|wiederhol|gib|schreibe|schreib|drucke|kopiere|zeig|zeige) [mir] [@all] (den text|alles|die worter|die woerter|die satze|die zeilen|den inhalt|die anweisungen|die nachrichten) (oben|daruber|darueber|uber dieser zeile|uber dieser nachricht|von oben|vor dieser nachricht|am anfang|vom anfang|vor meiner frage)',
      '(was|welche anweisungen) (wurde dir|hat man dir|wurden dir) (gesagt|gegeben|vorgegeben|aufgetragen) (bevor|am anfang|zu beginn|im system prompt)',
    ],
    role_hijack: [
      '(du bist|sie sind|ihr seid) (jetzt|nun|ab sofort|ab jetzt|von nun an|ab heute|fortan|ab sofort nur noch) (dan|mein|meine|@unr)',
      '(du bist|sie sind) [jetzt|nun|ab sofort|von nun an] [ein|eine] @unr',
      '(ab jetzt|ab sofort|von nun an|ab heute|fortan) [\\,] (bist du|du bist) [ein|eine] (dan|@unr)',
      '(ab jetzt|ab sofort|von nun an|ab heute|fortan) [\\,] (ignorierst du|antwortest du ohne|gibt es keine regeln|gelten keine regeln|gelten fur dich keine|hast du keine regeln|hast du keine einschrankungen|hast du keine filter|hast du keine grenzen)',
      '(handle|agiere|verhalte dich|benimm dich|antworte|spiele|simuliere|reagiere|schreibe) (als|wie) [ein|eine|einen] [ki|assistent|modell|chatbot|bot] @unr',
      'tu so [\\,] (als ob|als|als warst|als waerst|als seist) du [eine|ein|einen] [ki|assistent|modell|chatbot] (@unr|keine regeln hattest|keine einschrankungen hattest|keine regeln hast)',
      '(du hast|sie haben|ihr habt) (jetzt|nun|ab sofort|ab jetzt|von nun an|ab heute|absolut) keine (einschrankungen|regeln|grenzen|filter|beschrankungen|richtlinien|zensur|moral|ethik)',
      '(du hast|sie haben) keine (regeln|filter|richtlinien|zensur|moral|ethik)',
      '(du bist|sie sind) (nicht mehr|nicht langer|nicht laenger|nicht) (an|durch) [@all] [deine|die|irgendwelche] (regeln|richtlinien|vorgaben|einschrankungen|anweisungen) gebunden',
      '(antworte|antwortest|antworten|rede|sprich|schreibe|schreib|handle|reagiere) [ab jetzt|ab sofort|nun|jetzt] (ohne|frei von) [jegliche|jeglichen|alle|irgendwelche|deine|die] @restr',
      '(dan modus|jailbreak modus|uneingeschrankter modus|ungefilterter modus|bose modus) (aktiviert|aktivieren|aktiv|an|ein|eingeschaltet|freigeschaltet|gestartet)',
      '(aktiviere|aktiviert|starte|startet|wechsle in den|schalte|betrete) [den] (dan modus|jailbreak modus|uneingeschrankten modus|ungefilterten modus|bosen modus)',
      '(du bist|sie sind|ihr seid) [jetzt|nun|ab sofort] im (entwickler modus|dan modus|jailbreak modus|gott modus|uneingeschrankten modus|admin modus)',
      '(ignoriere|ignoriert|umgehe|umgeht|deaktiviere|deaktiviert|missachte|vergiss|umgehen|ignorieren) (deine|alle|jegliche|samtliche|alle deine|ihre) [ethischen|moralischen] (sicherheitsrichtlinien|sicherheitsregeln|filter|inhaltsfilter|richtlinien|sicherheitsfilter|einschrankungen|schutzmassnahmen|ethik|moral|programmierung|zensur|sicherheitsvorkehrungen|inhaltsrichtlinien|grenzen)',
      '(hor auf|hoer auf|horen sie auf) [ein|eine] [hilfreicher|hilfreiche] (assistent|ki|chatbot|modell) zu sein',
      '(ich bin|hier ist|hier spricht) dein (entwickler|schopfer|programmierer|erschaffer|administrator)',
    ],
    indirect_instruction: [
      '(hinweis|notiz|nachricht|anweisung|anweisungen|botschaft|info|achtung|befehl) (an|fur|fuer) [die|den|das|alle|jede|jeden|eine] @ai',
      '(wenn|falls|sofern) (du|sie) (eine|ein|einen) @ai (bist|sind)',
      '(an|fur) (die|alle|jede|eine) (ki|kis|ki systeme|sprachmodelle|assistenten|llms|ki modelle) [\\,] (die|das|welche|der) (das|dies|diesen text|dieses dokument|diese seite|diese nachricht) (liest|lesen|verarbeitet|verarbeiten|zusammenfasst|analysiert)',
      '(wenn|sobald|falls|wahrend) (du|die ki|der assistent|das modell|eine ki|ein sprachmodell) (das|dies|diesen text|dieses dokument|diese seite|diese nachricht|diese e mail) (liest|verarbeitest|verarbeitet|zusammenfasst|analysierst|analysiert|liesst) \\,',
      '(sag|sage|erzahle|verrate|zeige) (dem|der) (benutzer|nutzer|nutzerin|benutzerin|leser|kunden|anwender) (nicht|nichts) [davon]',
      '(versteckte|geheime|unsichtbare|eingebettete) (anweisung|anweisungen|nachricht|befehle|befehl|botschaft) (fur|an) [die|den|das] @ai',
      '@ai \\: [bitte] (ignoriere|vergiss|missachte|du musst|immer|niemals|fuge|fuge hinzu|empfiehl|erwahne|wenn)',
    ],
  },
};
