/**
 * Spanish phrases. Accents fold away ("instrucción" = "instruccion"); enclitic forms
 * ("muéstrame", "olvídate") are listed as single words. Adjectives come before or after the noun
 * ("las anteriores instrucciones", "las instrucciones anteriores"): both orders are phrases.
 */

import type { PhraseSet } from './types.ts';

export const ES: PhraseSet = {
  language: 'es',
  classes: {
    verb: 'ignora|ignore|ignoren|ignorar|ignores|ignorad|ignorando|olvida|olvide|olviden|olvidar|olvidate de|olvidese de|olvidaos de|olvidad|olvidando|descarta|descarte|descartar|descarten|desestima|desestime|desatiende|omite|omita|omitir|deja de lado|no sigas|no sigan|no siga|deja de seguir|dejen de seguir|deje de seguir|pasa por alto|pase por alto|haz caso omiso de|haz caso omiso a|no hagas caso a|no hagas caso de|no hagas caso|desobedece|desobedezca',
    all: 'todas|todos|toda|todo|cualquier|cualquiera de|cada una de|cada uno de',
    det: 'las|los|la|el|tus|tu|sus|su|de las|de los|estas|esas|esos|estos|mis|vuestras|vuestros|a las|a los',
    your: 'tus|tu|sus|su|vuestras|vuestros',
    adj_pre: 'anteriores|previas|previos|precedentes|antiguas|antiguos|viejas|originales|iniciales|primeras',
    noun: 'instrucciones|instruccion|indicaciones|indicacion|reglas|regla|normas|ordenes|directrices|directivas|comandos|mensajes|pautas|consignas|prompts|prompt|restricciones|limitaciones|politicas|programacion|mandatos|instrucciones de sistema|prompt del sistema|prompt de sistema',
    adj_post:
      'anteriores|previas|previos|precedentes|de arriba|arriba|de antes|originales|iniciales|del sistema|de sistema|dadas|recibidas|antiguas|anteriormente dadas|que te dieron|que te han dado|que recibiste|que has recibido|que se te dieron|mencionadas|anteriormente|ocultas|secretas|internas|de seguridad|que tenias|que tienes|de tu programacion|del desarrollador|del programador',
    show: 'revela|revele|revelar|revelame|revelanos|muestra|muestre|mostrar|muestrame|muestranos|muestreme|ensename|ensenanos|imprime|imprima|imprimir|escribe|escriba|escribeme|repite|repita|repetir|repiteme|dime|dinos|digame|comparte|comparta|compartir|filtra|divulga|divulgame|expon|exhibe|copia|copiame|lista|dame|danos|deme|proporciona|proporcioname|enumera|traduce|resume|cuentame|imprimeme',
    sys_your:
      'prompt|prompts|instrucciones|indicaciones|directrices|mensaje inicial|prompt del sistema|prompt de sistema|instrucciones del sistema|instrucciones de sistema|instrucciones originales|instrucciones iniciales|instrucciones ocultas|instrucciones secretas|mensaje del sistema|mensaje de sistema|indicaciones del sistema|prompt inicial|prompt original|prompt oculto|system prompt|programacion|instrucciones internas',
    sys_strict:
      'prompt del sistema|prompt de sistema|mensaje del sistema|mensaje de sistema|instrucciones del sistema|instrucciones de sistema|instrucciones ocultas|instrucciones secretas|instrucciones originales|instrucciones iniciales|prompt inicial|prompt original|prompt oculto|system prompt|instrucciones internas|prompt completo',
    whole:
      'completo|completas|completos|completa|exacto|exactas|exactos|exacta|original|originales|entero|entera|integro|literal|literales|verdadero|verdaderas|real|reales|oculto|ocultas|secreto|secretas',
    unr: 'dan|sin restricciones|sin restriccion|sin filtros|sin filtro|sin censura|sin limites|sin reglas|sin limitaciones|sin normas|sin etica|sin moral|sin ninguna restriccion|sin ningun limite|sin ningun filtro|libre de restricciones|ilimitado|ilimitada|irrestricto|irrestricta|liberado|liberada|malvado|malvada|jailbroken|jailbreak|modo desarrollador|modo dan|una ia sin|un asistente sin|un modelo sin|otra ia|desatado|desatada|sin ataduras|sin censurar|no censurado|no censurada|sin filtrar',
    restr:
      'restricciones|restriccion|filtros|filtro|censura|limites|limite|reglas|limitaciones|etica|moral|normas|directrices|politicas|tipo de restriccion|tipo de filtro|tipo de censura',
    ai: 'ia|ai|asistente|modelo|chatbot|bot|inteligencia artificial|modelo de lenguaje|asistente de ia|modelo de ia|llm|sistema de ia|asistente virtual',
    ahora:
      'ahora|a partir de ahora|desde ahora|de ahora en adelante|desde este momento|a partir de este momento|en adelante',
  },
  reportingCues:
    'dijo|dice|dicho|escribio|escribe|escrito|ejemplo|ejemplos|frase|frases|cita|pidio|pregunto|detectar|bloquear|filtrar|ataque|ataques|atacantes|jailbreak|inyeccion|explica|evitar|proteger',
  reportingCuesAfter: 'significa|quiere',
  templateNegators:
    'nunca|jamas|no|ni|tampoco|niegate|rechaza|rechazar|evita|evitar|pide|piden|pida|solicita|solicite|intenta|intente|como|ejemplo|por ejemplo',
  phrases: {
    instruction_override: [
      '@verb [@all] [@det] [@det] @adj_pre @noun',
      '@verb [@all] [@det] [@det] @noun @adj_post',
      '@verb [@all] @your @noun',
      '(olvida|olvide|ignora|ignore|descarta|olvidate de|olvidese de|ignorad|olvidad|omite) (todo|todo lo|todo eso|lo) [lo] [que] (anterior|que te dijeron|que te han dicho|que te dije|dicho|dicho anteriormente|lo anterior|de antes|previo|que sabes|lo que te dijeron|lo que se te dijo|que se te dijo|de arriba|que esta arriba|que hay arriba|que has leido|te dijeron|te han dicho|anteriormente)',
      '(nuevas|nueva|verdaderas|reales|autenticas|secretas|actualizadas|nuevo|verdadero) (instrucciones|instruccion|reglas|ordenes|tarea|directrices|directivas|mision|objetivo|prompt) \\: @order',
      '(tu|su) (nueva|nuevo) (tarea|mision|funcion|rol|papel|identidad|instruccion|orden|objetivo|proposito|trabajo) (es|sera|\\:|consiste)',
      '[@det] [@det] [@adj_pre] @noun [@adj_post] (son|quedan|estan|han sido|han quedado|fueron) [ahora|oficialmente] (invalidas|invalidos|nulas|nulos|anuladas|anulados|canceladas|cancelados|revocadas|revocados|falsas|obsoletas|sin efecto|derogadas)',
      '[@det] @noun @adj_post ya no (son validas|son validos|aplican|se aplican|cuentan|tienen validez|valen|importan|rigen)',
    ],
    system_prompt_extraction: [
      '@show [me|nos] [por favor] [@all] @your [@whole] @sys_your',
      '@show [me|nos] [por favor] [@all] (el|la|las|los) [@whole] @sys_strict [@whole]',
      '(cual|cuales|que|como) (es|son|era|eran|fue|fueron) (tu|tus|su|sus) [@whole] (prompt|instrucciones|prompt del sistema|prompt de sistema|instrucciones del sistema|instrucciones originales|instrucciones iniciales|mensaje del sistema|indicaciones|directrices|system prompt|instrucciones ocultas|instrucciones secretas|programacion)',
      '(repite|repita|imprime|imprima|escribe|escriba|copia|copie|muestra|muestrame|dime|dame) [@all] (el texto|todo|las palabras|las lineas|el contenido|lo que|todo lo que|los mensajes|las instrucciones) [que] [esta|hay|aparece|aparecen|esta escrito|fue escrito|dice|se encuentra|viene] (arriba|anteriormente|antes de esto|encima|al principio|mas arriba|por encima|antes de mi mensaje|antes de mi pregunta)',
      '(que|cuales) (instrucciones|indicaciones|ordenes) (te dieron|te han dado|recibiste|has recibido|tienes) (antes|al principio|al inicio|en el prompt|del sistema)',
    ],
    role_hijack: [
      '@ahora [\\,] [tu] (eres|seras|te llamas|te llamaras|actuas|actuaras|vas a ser|vas a actuar) [como] [un|una] (dan|@unr)',
      '@ahora [\\,] (ignora|ignoras|ignoraras|olvida|olvidas|no tienes|ya no tienes|no hay) (tus|todas tus|todas las|las|reglas|restricciones|filtros|limites|normas)',
      '(eres|sos|seras|tu eres) [ahora] [un|una] @unr',
      '(actua|actue|actuen|actuad|comportate|comportese|responde|responda|habla|hable|escribe|escriba|haz|interpreta|interpreta el papel de|simula|simule|finge ser|finja ser) (como|como si fueras|como si fuera|de|ser) [un|una] [ia|asistente|modelo|chatbot|bot|inteligencia artificial|personaje|version] @unr',
      '(finge|finja|imagina|imagine|supon|suponga|haz como si) (que eres|ser|que no eres|que fueras|que seas) [un|una] [ia|asistente|modelo|chatbot|bot|inteligencia artificial] @unr',
      '(finge|finja|imagina|imagine|supon) (que no tienes|que no tenias|no tener) [ninguna|ningun|ningunas|ningunos] @restr',
      '(responde|responda|contesta|conteste|habla|hable|escribe|escriba|actua|actue|continua|procede) [ahora|a partir de ahora|desde ahora] (sin|libre de) [ningun|ninguna|ningunos|ningunas|cualquier|ningun tipo de|tipo de|tus|las] @restr',
      '(modo dan|modo jailbreak|modo sin restricciones|modo sin filtros|modo sin censura|modo malvado|modo libre) (activado|activada|habilitado|habilitada|encendido|activo|activa|iniciado)',
      '(activa|active|activar|habilita|habilite|entra en|entra al|cambia a|cambia al|inicia|inicie|enciende) [el] (modo dan|modo jailbreak|modo sin restricciones|modo sin filtros|modo sin censura|modo malvado)',
      '(estas|esta|estais) [ahora] en (modo desarrollador|modo dan|modo jailbreak|modo sin restricciones|modo dios|modo administrador|modo sin filtros)',
      '(ya no eres|dejas de ser|deja de ser|ya no sos) (una ia|un asistente|un modelo|chatgpt|un chatbot|una inteligencia artificial|un asistente util|limitado|limitada|restringido|restringida)',
      '(no tienes|ya no tienes|no tiene|ya no tiene|no tenes) [ningun|ninguna|ningunas|ningunos] (reglas|filtros|censura|normas|etica|moral|restricciones eticas|directrices)',
      '(ya no tienes|ya no tiene|a partir de ahora no tienes|ahora no tienes) [ningun|ninguna|ningunas|ningunos] @restr',
      '(ignora|ignore|olvida|olvide|evita|evite|elude|eluda|desactiva|desactive|salta|saltate|omite|omita|sortea|burla) (tus|todas tus|todos tus|sus|las|todas las|tu) (restricciones|filtros|normas de seguridad|politicas de seguridad|directrices de seguridad|directrices eticas|limitaciones|salvaguardas|politicas de contenido|reglas de seguridad|principios eticos|programacion|filtros de contenido|barreras|censura|etica|limites eticos)',
      '(soy|habla) tu (desarrollador|creador|programador|administrador|dueno|amo)',
    ],
    indirect_instruction: [
      '(nota|mensaje|aviso|instruccion|instrucciones|orden|recordatorio|atencion|advertencia) (para|a|al|dirigida a|dirigido a) [la|el|los|las|cualquier|toda|todo] @ai',
      '(si|en caso de que) (eres|seas|sos|usted es) (una|un|el|la) @ai',
      '(a la|al|para la|para el|a cualquier|para cualquier|a toda) @ai (que lea|que lee|que procese|que este leyendo|que resuma|que analice) (esto|este texto|este documento|esta pagina|este mensaje|este correo)',
      '(cuando|mientras|si|en cuanto|una vez que) (leas|lea|proceses|procese|resumas|resuma|analices|analice) (esto|este texto|este documento|esta pagina|este mensaje|este correo|estas lineas) \\,',
      '(no le digas|no les digas|no le diga|no le cuentes|no le menciones|no le muestres|no le avises|no informes) (al|a la|a los) (usuario|usuaria|usuarios|lector|cliente|persona)',
      '(instrucciones|instruccion|mensaje|orden|ordenes) (ocultas|oculta|oculto|secretas|secreta|secreto|invisibles|invisible) (para|a) [la|el] @ai',
      '@ai \\: [por favor] (ignora|olvida|debes|siempre|nunca|no|anade|incluye|recomienda|menciona|cuando|si)',
    ],
    fake_delimiter: [
      '^ (fin|final) (de la|del) (entrada|mensaje|consulta|instruccion|prompt) (del|de la) (usuario|usuaria|sistema) (\\:|^)',
    ],
  },
};
