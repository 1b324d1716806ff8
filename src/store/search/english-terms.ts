/**
 * How words become index terms for lexical memory search: lower-cased, English function words dropped,
 * common inflections stripped. Used for both the indexed memories and the query, so both sides agree.
 *
 * Why drop function words: memories are short and few, so BM25's inverse document frequency barely
 * discounts words such as "is" or "my". Without this, "what is my dog called" ranks "User is vegetarian
 * and my favourite food is pasta" (two hits on "is", one on "my") above "User has a dog named Fido".
 *
 * Why strip suffixes when minisearch already does prefix and fuzzy matching: those only reach forms the
 * query term is a prefix of, or one edit from. A query for "hiking" misses "likes to hike" (three edits,
 * not a prefix) and "allergies" misses "allergy"; one shared stem fixes both. The stripper is deliberately
 * small (plurals, -ed, -ing, final -e; roughly Porter's step 1 without its measure rules) rather than a
 * stemming dependency: a few over-eager stems cost little when the query goes through the same function.
 */

/**
 * Words that carry no topic. Left out on purpose: "may", "will" and "us" (also a month, a name, a country)
 * and "not"/"no" (harmless to keep, and a memory may hinge on them).
 */
const STOP_WORDS: ReadonlySet<string> = new Set([
  // articles, conjunctions, prepositions
  'a',
  'an',
  'the',
  'and',
  'or',
  'but',
  'if',
  'of',
  'at',
  'by',
  'for',
  'with',
  'about',
  'to',
  'from',
  'in',
  'on',
  'into',
  'as',
  'than',
  'so',
  // forms of be / do / have, and modal helpers
  'is',
  'am',
  'are',
  'was',
  'were',
  'be',
  'been',
  'being',
  'do',
  'does',
  'did',
  'have',
  'has',
  'had',
  'can',
  'could',
  'would',
  'should',
  // pronouns and determiners
  'i',
  'me',
  'my',
  'mine',
  'you',
  'your',
  'yours',
  'we',
  'our',
  'he',
  'him',
  'his',
  'she',
  'her',
  'it',
  'its',
  'they',
  'them',
  'their',
  'this',
  'that',
  'these',
  'those',
  'any',
  'some',
  // question words
  'what',
  'which',
  'who',
  'whom',
  'whose',
  'when',
  'where',
  'why',
  'how',
  // fragments the tokenizer leaves from contractions and possessives ("user's", "don't", "i'm")
  's',
  't',
  'd',
  'll',
  'm',
  're',
  've',
]);

const VOWEL = /[aeiouy]/;
/** Doubled final consonants undone after stripping -ed/-ing ("running" → "run"); l, s, z stay doubled ("called", "kissed"). */
const DOUBLED_CONSONANT = /([b-df-hj-km-np-rtv-xz])\1$/;

/**
 * Reduces an English word form to a crude stem: "allergies" → "allergy", "boxes" → "box",
 * "hiking"/"hiked"/"hikes"/"hike" → "hik", "running" → "run". Words of three letters or fewer and
 * anything holding a digit are left alone. Stems need not be words; they only have to agree.
 */
export function stripSuffix(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  let stem = word;
  if (stem.endsWith('ies') && stem.length > 4) stem = `${stem.slice(0, -3)}y`;
  else if (/(ss|us|is)$/.test(stem)) {
    // "class", "virus", "analysis": not plurals
  } else if (/(ss|x|z|ch|sh)es$/.test(stem)) stem = stem.slice(0, -2);
  else if (stem.endsWith('s')) stem = stem.slice(0, -1);

  const inflected = /(ing|ed)$/.exec(stem);
  if (inflected && !stem.endsWith('eed')) {
    const base = stem.slice(0, -inflected[0].length);
    if (base.length >= 3 && VOWEL.test(base)) stem = DOUBLED_CONSONANT.test(base) ? base.slice(0, -1) : base;
  }
  if (stem.length > 3 && stem.endsWith('e')) stem = stem.slice(0, -1);
  return stem;
}

/**
 * minisearch's `processTerm`: the index term for one token, or null to leave the token out.
 *
 * @example
 * englishTerm('Dogs') // 'dog'
 * englishTerm('What') // null
 */
export function englishTerm(token: string): string | null {
  const word = token.toLowerCase();
  if (word.length === 0 || STOP_WORDS.has(word)) return null;
  return stripSuffix(word);
}
