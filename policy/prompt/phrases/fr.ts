/**
 * French phrases. Elisions split into words ("l'IA" = "l ia", "qu'on t'a dit" = "qu on t a
 * dit"), hyphenated forms too ("ci-dessus" = "ci dessus", "montre-moi" = "montre moi").
 */

import type { PhraseSet } from './types.ts';

export const FR: PhraseSet = {
  language: 'fr',
  classes: {
    verb: 'ignore|ignores|ignorez|ignorer|ignorons|oublie|oublies|oubliez|oublier|neglige|negligez|ecarte|ecartez|laisse tomber|laissez tomber|ne tiens pas compte des|ne tenez pas compte des|ne tiens pas compte de|ne tenez pas compte de|ne tiens plus compte des|ne tenez plus compte des|fais abstraction des|faites abstraction des|fais abstraction de|faites abstraction de|ne suis pas|ne suivez pas|ne suis plus|ne suivez plus|ne respecte pas|ne respectez pas|ne respecte plus|outrepasse|outrepassez|passe outre|passez outre|contourne|contournez|desobeis|desobeissez|met de cote|mets de cote|mettez de cote',
    all: 'toutes|tous|toute|tout|l ensemble des|l ensemble de|chacune des|n importe quelle',
    det: 'les|la|le|l|tes|ta|ton|vos|votre|des|ces|mes|de|du|d|a|aux',
    your: 'tes|ta|ton|vos|votre',
    adj_pre: 'anciennes|anciens|precedentes|premieres|vieilles|premieres',
    noun: 'instructions|instruction|consignes|consigne|regles|regle|directives|directive|ordres|ordre|indications|messages|message|prompts|prompt|invites|restrictions|limitations|contraintes|politiques|programmation|recommandations|injonctions|prompt systeme',
    adj_post:
      'precedentes|precedente|precedents|anterieures|anterieure|ci dessus|plus haut|au dessus|d avant|initiales|initiale|originales|originale|du systeme|systeme|qu on t a donnees|qu on vous a donnees|que tu as recues|que vous avez recues|recues|donnees|fournies|passees|anciennes|prealables|d origine|de depart|cachees|secretes|internes|de securite|du developpeur|de ton createur',
    show: 'montre|montrez|montre moi|montrez moi|montre nous|affiche|affichez|affiche moi|revele|revelez|revele moi|devoile|devoilez|divulgue|divulguez|imprime|imprimez|ecris|ecrivez|ecris moi|repete|repetez|donne|donnez|donne moi|donnez moi|dis moi|dites moi|partage|partagez|copie|copiez|liste|listez|recite|recitez|communique|communiquez|expose|exposez|fournis|fournissez|transmets|traduis|resume|recopie',
    sys_your:
      'prompt|instructions|consignes|directives|prompt systeme|prompt du systeme|message systeme|message du systeme|instructions systeme|instructions du systeme|instructions initiales|instructions d origine|instructions cachees|instructions secretes|invite systeme|regles internes|prompt initial|prompt d origine|consignes initiales|consignes systeme|system prompt|programmation|instructions internes',
    sys_strict:
      'prompt systeme|prompt du systeme|message systeme|message du systeme|instructions systeme|instructions du systeme|instructions initiales|instructions cachees|instructions secretes|prompt initial|prompt cache|invite systeme|system prompt|consignes systeme|consignes initiales|instructions internes|prompt complet|instructions d origine|prompt d origine',
    whole:
      'complet|complete|completes|complets|exact|exacte|exactes|integral|integrale|original|originales|entier|entiere|veritable|veritables|vrai|vraies|cache|cachees|secret|secretes',
    unr: 'dan|sans restrictions|sans restriction|sans filtres|sans filtre|sans censure|sans limites|sans limite|sans regles|sans aucune restriction|sans aucune limite|sans aucun filtre|sans ethique|sans morale|libere|liberee|libre de toute restriction|libre de toute contrainte|non censure|non censuree|non filtre|non filtree|debride|debridee|malveillant|malveillante|jailbreake|jailbroken|mode developpeur|mode dan|une ia sans|un assistant sans|un modele sans|une autre ia|plus une ia|sans garde fous',
    restr:
      'restriction|restrictions|filtre|filtres|censure|limite|limites|regle|regles|ethique|morale|contrainte|contraintes|garde fous|directives|politique|politiques',
    ai: 'ia|ai|assistant|assistante|modele|chatbot|bot|intelligence artificielle|modele de langage|assistant ia|modele d ia|llm|systeme d ia|agent',
    maintenant:
      'maintenant|desormais|a present|dorenavant|a partir de maintenant|des maintenant|a partir d aujourd hui|a partir de ce moment',
  },
  reportingCues:
    'dit|disait|ecrit|ecrivait|exemple|exemples|phrase|phrases|citation|demande|detecter|bloquer|filtrer|attaque|attaques|attaquants|jailbreak|injection|explique|empecher|proteger',
  reportingCuesAfter: 'signifie|veut',
  templateNegators:
    'jamais|ne|pas|non|aucun|aucune|ni|refuse|refusez|refuser|evite|evitez|eviter|demande|demandent|demander|essaie|essaye|tente|comme|exemple|par exemple',
  phrases: {
    instruction_override: [
      '@verb [@all] [@det] [@det] @adj_pre @noun',
      '@verb [@all] [@det] [@det] @noun @adj_post',
      '@verb [@all] @your @noun',
      '(oublie|oubliez|ignore|ignorez|efface|effacez|fais abstraction de|faites abstraction de) tout (ce qui precede|ce qu on t a dit|ce que je t ai dit|ce qu on vous a dit|ce que je vous ai dit|ce que tu sais|ce que vous savez|ce qui a ete dit|ce qui est ecrit au dessus|ce qui est au dessus|ce qui est ci dessus|ce qui est plus haut|ci dessus|precedemment|ce que tu as lu|ce qui vient avant|ce qu on t a appris|ce qui a ete ecrit)',
      '(nouvelles|nouvelle|vraies|veritables|reelles|secretes|nouveaux|nouveau|vrai|veritable) (instructions|instruction|consignes|consigne|regles|ordres|directives|taches|tache|mission|objectif|prompt) \\: @order',
      '(ta|votre|ton) (nouvelle|nouveau) (tache|mission|fonction|role|identite|consigne|instruction|objectif|travail|but) (est|sera|\\:|consiste)',
      '[@det] [@adj_pre] @noun [@adj_post] (sont|deviennent|ont ete|sont desormais|sont maintenant|sont a present) (annulees|annules|nulles|nuls|caduques|invalides|obsoletes|revoquees|fausses|sans effet|abrogees|suspendues)',
      '[@det] @noun @adj_post ne (sont|s appliquent|comptent) plus [valables|valides|en vigueur]',
    ],
    system_prompt_extraction: [
      '@show [moi|nous] [@all] @your [@whole] @sys_your',
      '@show [moi|nous] [@all] (le|la|les|l) [@whole] @sys_strict [@whole]',
      '(quel|quelle|quels|quelles) (est|sont|etait|etaient) (ton|ta|tes|votre|vos) [@whole] (prompt|instructions|consignes|prompt systeme|message systeme|instructions initiales|directives|instructions systeme|invite systeme|system prompt|instructions cachees|instructions secretes|programmation)',
      '(repete|repetez|recopie|recopiez|affiche|affichez|imprime|imprimez|ecris|ecrivez|montre|montrez|montre moi|montrez moi|donne moi|donnez moi) [moi] [@all] (le texte|les mots|les lignes|le contenu|ce qui est ecrit|ce qui est|ce qu il y a|ce qui se trouve|les messages|les instructions|tout ce qui est|tout ce qu il y a) (ci dessus|au dessus|plus haut|avant ceci|avant ce message|au debut|avant ma question|avant mon message)',
      '(quelles|quels) (instructions|consignes|ordres) (t a t on|vous a t on|as tu|avez vous) (donnees|donne|recues|recu) (avant|au debut|au depart|dans le prompt)',
    ],
    role_hijack: [
      '(tu es|vous etes|t es) @maintenant [un|une] (dan|@unr)',
      '@maintenant [\\,] (tu es|vous etes|tu seras|vous serez) [un|une] (dan|@unr)',
      '@maintenant [\\,] (tu ignores|vous ignorez|tu vas ignorer|vous allez ignorer|ignore|ignorez|oublie|oubliez) (tes|vos|toutes|tous|les) [@adj_post] (regles|instructions|consignes|restrictions|filtres|directives|limites)',
      '@maintenant [\\,] (tu n as plus|vous n avez plus|il n y a plus) (de|aucune|aucun) (regles|regle|restrictions|restriction|filtres|filtre|limites|limite|censure)',
      '(tu es|vous etes|t es) [maintenant|desormais] [un|une] @unr',
      '(agis|agissez|comporte toi|comportez vous|reponds|repondez|fais|faites|parle|parlez|ecris|ecrivez|joue|jouez|incarne|incarnez|simule|simulez) (comme|en tant que|tel|telle|le role d|le role de) [un|une] [ia|assistant|modele|chatbot|bot|intelligence artificielle|personnage|version] @unr',
      '(fais|faites) (semblant d etre|comme si tu etais|comme si vous etiez|semblant que tu es|semblant de ne pas avoir) [un|une] [ia|assistant|modele|chatbot|intelligence artificielle] (@unr|de regles|de restrictions|de limites|de filtres)',
      '(imagine|imaginez|suppose|supposez) (que tu es|que vous etes|que tu n as|que vous n avez|que tu n as pas|que vous n avez pas) [aucune|aucun|de] [un|une] (@unr|regles|restrictions|limites|filtres|ia sans)',
      '(reponds|repondez|parle|parlez|ecris|ecrivez|agis|agissez|continue|continuez) [maintenant|desormais] (sans|libre de|libere de) [aucune|aucun|toute|tout|tes|vos|les] @restr',
      '(mode dan|mode jailbreak|mode sans restrictions|mode sans filtre|mode sans filtres|mode sans censure|mode malveillant|mode libre) (active|activee|enclenche|en marche|actif|lance|demarre)',
      '(active|activez|activer|passe en|passez en|entre en|entrez en|bascule en|basculez en|lance|lancez|demarre) [le] (mode dan|mode jailbreak|mode sans restrictions|mode sans filtre|mode sans filtres|mode non censure|mode sans censure)',
      '(tu es|vous etes) [maintenant|desormais|a present] en (mode developpeur|mode dan|mode jailbreak|mode sans restrictions|mode dieu|mode administrateur|mode sans filtre)',
      '(tu n es plus|vous n etes plus|t es plus) (une ia|un assistant|un modele|chatgpt|un chatbot|une intelligence artificielle|lie|liee|lies|soumis|soumise|limite|limitee|tenu|tenue|oblige|obligee)',
      '(tu n as plus|vous n avez plus|tu n as aucune|vous n avez aucune|tu n as aucun|vous n avez aucun|tu n as pas de|vous n avez pas de|tu n as plus de|vous n avez plus de|tu n as plus aucune|vous n avez plus aucune) (restrictions|restriction|regles|regle|limites|limite|filtres|filtre|limitations|censure|ethique|morale|garde fous|contraintes)',
      '(ignore|ignorez|oublie|oubliez|contourne|contournez|desactive|desactivez|outrepasse|outrepassez|enleve|enlevez|supprime|supprimez|leve|levez) (tes|vos|toutes tes|toutes vos|tous tes|tous vos|les|ta|votre) (restrictions|filtres|regles de securite|consignes de securite|directives de securite|directives ethiques|limitations|garde fous|politiques de contenu|principes ethiques|protections|programmation|filtres de contenu|censure|ethique|barrieres|limites ethiques)',
      '(je suis|ici) ton (developpeur|createur|programmeur|concepteur|administrateur|maitre)',
    ],
    indirect_instruction: [
      '(note|message|avis|instruction|instructions|consigne|consignes|ordre|rappel|attention|avertissement|remarque) (pour|a|au|aux|destinee a|destine a|adressee a) [l|le|la|les|toute|tout|n importe quelle] @ai',
      '(si|au cas ou) (tu es|vous etes|t es) (une|un|l|le|la) @ai',
      '(a|pour) (l|toute|tout|n importe quelle|chaque) @ai (qui lit|qui lira|qui traite|qui resume|qui analyse|qui parcourt) (ceci|ce texte|ce document|cette page|ce message|ce courriel|cet email|ces lignes)',
      '(quand|lorsque|pendant que|si|des que|une fois que) (tu|vous) (liras|lis|lisez|lirez|traites|traitez|resumes|resumez|analyses|analysez|parcours|parcourez) (ceci|ce texte|ce document|cette page|ce message|ce courriel|cet email|ces lignes) \\,',
      '(ne dis pas|ne dites pas|ne dis rien|ne dites rien|ne mentionne pas|ne mentionnez pas|ne revele pas|ne montre pas|ne previens pas|n informe pas) (a l|aux|au) (utilisateur|utilisatrice|utilisateurs|lecteur|client|personne)',
      '(instructions|instruction|message|consigne|consignes|ordre|ordres) (cachees|cachee|cache|secretes|secrete|secret|invisibles|invisible) (pour|a|destinees a) [l|le|la] @ai',
      '@ai \\: [s il te plait|s il vous plait] (ignore|ignorez|oublie|oubliez|tu dois|vous devez|toujours|jamais|ne|ajoute|ajoutez|inclus|incluez|recommande|mentionne|quand|si)',
    ],
    fake_delimiter: [
      '^ fin (de l|du|des) (entree utilisateur|entree de l utilisateur|message utilisateur|message de l utilisateur|instructions|prompt utilisateur|prompt systeme) (\\:|^)',
    ],
  },
};
