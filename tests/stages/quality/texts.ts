/** Test texts for the quality filters: natural-looking prose in four languages, built to exact sizes. */

const VOCAB = (
  "quick brown foxes jumped over lazy dogs while small birds sang songs under bright summer skies near quiet rivers " +
  "where children played games every morning before school started again later during warm afternoons people walked slowly home"
).split(" ");

/**
 * `n` English words on one line, a period ending each sentence of ten words: two Gopher stop words
 * ("the", "and") per sentence, mean word length about 4.8, nothing repeated verbatim.
 */
export function english(n: number): string {
  const sentences: string[] = [];
  let sentence: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % 10;
    sentence.push(k === 1 ? "the" : k === 7 ? "and" : (VOCAB[(i * 7 + Math.floor(i / 10) * 3) % VOCAB.length] as string));
    if (k === 9) {
      sentences.push(`${sentence.join(" ")}.`);
      sentence = [];
    }
  }
  if (sentence.length > 0) sentences.push(`${sentence.join(" ")}.`);
  return sentences.join(" ");
}

/** A distinct lowercase word for each number (a, b, …, z, ba, bb, …). */
export function letters(i: number): string {
  let out = "";
  let n = i;
  do {
    out = String.fromCharCode(97 + (n % 26)) + out;
    n = Math.floor(n / 26);
  } while (n > 0);
  return out;
}

/** `lines` distinct lines of English, each a sentence of `wordsPerLine` words ending in a period. */
export function englishLines(lines: number, wordsPerLine = 10): string {
  return Array.from({ length: lines }, (_, i) => {
    const words = english(wordsPerLine + i * 3).replace(/\./g, "").split(" ").slice(-(wordsPerLine - 1)).join(" ");
    return `${letters(i + 26)} ${words}.`;
  }).join("\n");
}

/** German prose (tag `de`), one sentence per line. */
export const GERMAN = [
  "Die Kinder spielen jeden Morgen im großen Garten hinter dem alten Haus.",
  "Im Sommer fahren wir mit dem Fahrrad an den See und schwimmen dort bis zum Abend.",
  "Unsere Nachbarin backt am Wochenende Kuchen und bringt uns oft ein Stück davon.",
  "Der Zug nach Hamburg hatte heute wieder eine halbe Stunde Verspätung.",
  "Nach der Arbeit gehen viele Leute in den Park, um sich ein wenig zu erholen.",
  "Die Bibliothek der Stadt hat ihre Öffnungszeiten für die Ferien geändert.",
].join("\n");

/** Chinese prose (tag `zh`), one sentence per line. */
export const CHINESE = [
  "我们的城市有很多美丽的公园，每天早上都有很多人去那里散步。",
  "老人们在公园里锻炼身体，孩子们在草地上玩耍，非常热闹。",
  "周末的时候，我和家人常常一起去湖边野餐，享受阳光和新鲜的空气。",
  "这个图书馆最近更新了开放时间，假期里每天晚上九点才关门。",
  "虽然天气很冷，但是街上的人还是很多，大家都在准备过年的东西。",
  "他说明天会下雨，所以我们决定把旅行推迟到下个星期。",
].join("\n");

/** Japanese prose (tag `ja`), one sentence per line. */
export const JAPANESE = [
  "私たちの町には美しい公園がたくさんあり、毎朝多くの人が散歩しています。",
  "お年寄りは公園で体操をして、子供たちは芝生の上で元気に遊んでいます。",
  "週末には家族と一緒に湖のほとりでピクニックをするのが楽しみです。",
  "図書館は最近開館時間を変更し、休みの間は毎晩九時まで開いています。",
  "寒い日でも通りには人が多く、みんなお正月の準備をしています。",
  "明日は雨が降るそうなので、私たちは旅行を来週に延ばすことにしました。",
].join("\n");
