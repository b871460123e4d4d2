//! Vietnamese personal names (họ tên) and Vietnamese alphabetical order.
//!
//! A Vietnamese full name is written family name (họ) first, then zero or
//! more middle names (tên đệm / tên lót), then the given name (tên) last:
//! "Trần Thị Liên" → họ Trần, tên đệm Thị, tên Liên. Lists of people sort by
//! the given name first, then the middle name(s), then the family name.
//!
//! ## Collation (thứ tự chữ cái tiếng Việt)
//!
//! The alphabet is `a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y`;
//! the Latin letters that Vietnamese does not use (`f j w z`, in foreign
//! names) take their usual Latin places: `… ê f g … i j k … v w x y z`.
//!
//! Comparison follows the dictionary convention, syllable (word) by word:
//! 1. the toneless letters of the word (so `Dũng < Đức` because `d < đ`),
//! 2. then, only if those are equal, the tones of the word in the order
//!    no tone (thanh ngang), huyền `à`, sắc `á`, hỏi `ả`, ngã `ã`, nặng `ạ`;
//!
//! then, only if every word is equal, lower case before upper case, and
//! finally the normalised text itself so that the order is total and
//! deterministic. Precomposed (NFC) and decomposed (NFD: base letter plus
//! combining U+0300 U+0301 U+0303 U+0309 U+0323 U+0306 U+0302 U+031B) input
//! compare equal; the decomposition table for Vietnamese letters is below, so
//! no Unicode crate is needed.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------
// Letters and tones
// ---------------------------------------------------------------------------

/// The alphabet in collation order; a letter's rank is its index.
/// Vietnamese letters, with `f j w z` in their Latin places for foreign names.
const ALPHABET: [char; 33] = [
    'a', 'ă', 'â', 'b', 'c', 'd', 'đ', 'e', 'ê', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
    'ô', 'ơ', 'p', 'q', 'r', 's', 't', 'u', 'ư', 'v', 'w', 'x', 'y', 'z',
];

/// The twelve vowel letters, each followed by its five toned forms in tone
/// order (huyền, sắc, hỏi, ngã, nặng). Index in the string = tone number.
const TONED_VOWELS: [&str; 12] = [
    "aàáảãạ",
    "ăằắẳẵặ",
    "âầấẩẫậ",
    "eèéẻẽẹ",
    "êềếểễệ",
    "iìíỉĩị",
    "oòóỏõọ",
    "ôồốổỗộ",
    "ơờớởỡợ",
    "uùúủũụ",
    "ưừứửữự",
    "yỳýỷỹỵ",
];

/// The six tones (thanh điệu) in collation order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Tone {
    /// Thanh ngang (no mark).
    #[default]
    Ngang,
    /// Thanh huyền (grave, `à`).
    Huyen,
    /// Thanh sắc (acute, `á`).
    Sac,
    /// Thanh hỏi (hook above, `ả`).
    Hoi,
    /// Thanh ngã (tilde, `ã`).
    Nga,
    /// Thanh nặng (dot below, `ạ`).
    Nang,
}

impl Tone {
    const ALL: [Tone; 6] = [
        Tone::Ngang,
        Tone::Huyen,
        Tone::Sac,
        Tone::Hoi,
        Tone::Nga,
        Tone::Nang,
    ];

    fn index(self) -> usize {
        self as usize
    }

    /// The tone carried by a combining mark, if it is a tone mark.
    /// U+0340/U+0341 are the deprecated canonical equivalents of U+0300/U+0301.
    fn from_combining(mark: char) -> Option<Tone> {
        match mark {
            '\u{0300}' | '\u{0340}' => Some(Tone::Huyen),
            '\u{0301}' | '\u{0341}' => Some(Tone::Sac),
            '\u{0309}' => Some(Tone::Hoi),
            '\u{0303}' => Some(Tone::Nga),
            '\u{0323}' => Some(Tone::Nang),
            _ => None,
        }
    }
}

/// Splits a lower-case precomposed character into (toneless letter, tone).
/// `ấ` → (`â`, sắc). Characters that carry no Vietnamese tone map to
/// themselves with [`Tone::Ngang`].
fn split_tone(c: char) -> (char, Tone) {
    for row in TONED_VOWELS {
        if let Some(i) = row.chars().position(|v| v == c) {
            let base = row.chars().next().unwrap_or(c);
            return (base, Tone::ALL[i]);
        }
    }
    (c, Tone::Ngang)
}

/// Joins a lower-case toneless letter and a tone into one precomposed
/// character, if Vietnamese has it (`â` + sắc → `ấ`).
fn compose_tone(letter: char, tone: Tone) -> Option<char> {
    TONED_VOWELS
        .iter()
        .find(|row| row.starts_with(letter))
        .and_then(|row| row.chars().nth(tone.index()))
}

/// Applies a combining vowel modifier (breve, circumflex, horn) to a
/// lower-case toneless letter: `a` + U+0306 → `ă`, `o` + U+031B → `ơ`.
fn apply_modifier(letter: char, mark: char) -> Option<char> {
    match (letter, mark) {
        ('a', '\u{0306}') => Some('ă'),
        ('a', '\u{0302}') => Some('â'),
        ('e', '\u{0302}') => Some('ê'),
        ('o', '\u{0302}') => Some('ô'),
        ('o', '\u{031B}') => Some('ơ'),
        ('u', '\u{031B}') => Some('ư'),
        _ => None,
    }
}

fn is_vowel(letter: char) -> bool {
    TONED_VOWELS.iter().any(|row| row.starts_with(letter))
}

fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}')
}

fn to_lower(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

fn to_upper(c: char) -> char {
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

// ---------------------------------------------------------------------------
// Decomposition of a text into letters
// ---------------------------------------------------------------------------

/// One written letter after decomposition: its toneless lower-case form, its
/// tone, whether it was written in upper case, and any combining marks that
/// are not Vietnamese (kept so distinct texts never compare equal).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Letter {
    base: char,
    tone: Tone,
    upper: bool,
    other_marks: String,
}

impl Letter {
    fn new(c: char) -> Self {
        let lower = to_lower(c);
        let (base, tone) = split_tone(lower);
        Letter {
            base,
            tone,
            upper: lower != c,
            other_marks: String::new(),
        }
    }

    /// Folds a following combining mark into this letter.
    fn absorb(&mut self, mark: char) {
        if let Some(modified) = apply_modifier(self.base, mark) {
            self.base = modified;
        } else if let (Some(tone), true) = (Tone::from_combining(mark), is_vowel(self.base)) {
            if self.tone == Tone::Ngang {
                self.tone = tone;
            } else {
                self.other_marks.push(mark);
            }
        } else {
            self.other_marks.push(mark);
        }
    }

    /// The precomposed (NFC) form of this letter.
    fn write_to(&self, out: &mut String) {
        let lower = compose_tone(self.base, self.tone).unwrap_or(self.base);
        out.push(if self.upper { to_upper(lower) } else { lower });
        out.push_str(&self.other_marks);
    }

    fn primary(&self) -> Primary {
        match ALPHABET.iter().position(|&l| l == self.base) {
            Some(rank) => Primary::Letter(rank as u8),
            None if self.base.is_ascii_digit() => Primary::Digit(self.base as u8 - b'0'),
            None if self.base.is_alphabetic() => Primary::OtherLetter(self.base as u32),
            None => Primary::Symbol(self.base as u32),
        }
    }
}

/// Decomposes a text into letters; combining marks attach to the letter
/// before them (a mark with nothing before it stands alone as a symbol).
fn letters(text: &str) -> Vec<Letter> {
    let mut out: Vec<Letter> = Vec::with_capacity(text.len());
    for c in text.chars() {
        match out.last_mut() {
            Some(last) if is_combining_mark(c) && !last.base.is_whitespace() => last.absorb(c),
            _ => out.push(Letter::new(c)),
        }
    }
    out
}

/// Rewrites Vietnamese letters in precomposed form (NFC for Vietnamese):
/// `"Le\u{0302}\u{0323}"` → `"Lệ"`. Other characters pass through unchanged.
pub fn normalize_vietnamese(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for letter in letters(text) {
        letter.write_to(&mut out);
    }
    out
}

/// The tone-free, lower-case form of a text, for searching:
/// `"Nguyễn Thị Ánh"` → `"nguyên thi anh"`. Tones go; `đ` and the vowel
/// letters ă â ê ô ơ ư stay, as they are letters of their own.
pub fn strip_tones(text: &str) -> String {
    letters(text).into_iter().map(|l| l.base).collect()
}

// ---------------------------------------------------------------------------
// Collation key
// ---------------------------------------------------------------------------

/// Primary weight of one letter: symbols < digits < alphabet < other letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Primary {
    Symbol(u32),
    Digit(u8),
    Letter(u8),
    OtherLetter(u32),
}

/// One word's key: its toneless letters first, its tones only as tie-break.
/// `tones` lists the word's tone marks in writing order, ignoring where they
/// sit, so the old and new tone placements ("Thủy" / "Thuỷ", "Hòa" / "Hoà")
/// weigh the same; only the final tie-break tells them apart.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct WordKey {
    letters: Vec<Primary>,
    tones: Vec<Tone>,
}

/// A sort key implementing Vietnamese alphabetical order (see the module
/// docs). Build it once per item with [`collation_key`] and compare keys;
/// equal keys mean the texts are identical after [`normalize_vietnamese`]
/// and whitespace trimming.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CollationKey {
    words: Vec<WordKey>,
    upper: Vec<bool>,
    normalized: String,
}

/// Builds the Vietnamese collation key of a text (words separated by
/// whitespace).
pub fn collation_key(text: &str) -> CollationKey {
    let all = letters(text);
    let words = all
        .split(|l| l.base.is_whitespace())
        .filter(|w| !w.is_empty())
        .map(|w| WordKey {
            letters: w.iter().map(Letter::primary).collect(),
            tones: w
                .iter()
                .map(|l| l.tone)
                .filter(|&t| t != Tone::Ngang)
                .collect(),
        })
        .collect();
    let upper = all
        .iter()
        .filter(|l| !l.base.is_whitespace())
        .map(|l| l.upper)
        .collect();
    let normalized = text
        .split_whitespace()
        .map(normalize_vietnamese)
        .collect::<Vec<_>>()
        .join(" ");
    CollationKey {
        words,
        upper,
        normalized,
    }
}

/// Compares two texts in Vietnamese alphabetical order.
pub fn compare_vietnamese(a: &str, b: &str) -> Ordering {
    collation_key(a).cmp(&collation_key(b))
}

/// Sorts texts in Vietnamese alphabetical order (stable).
pub fn sort_vietnamese<S: AsRef<str>>(items: &mut [S]) {
    items.sort_by_cached_key(|s| collation_key(s.as_ref()));
}

// ---------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------

/// A full name split into its parts. Parts keep the spelling they were given
/// (apply [`normalize_vietnamese`] first to store NFC text).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PersonName {
    /// Họ — family name, first word ("Trần"). Empty for a one-word name.
    pub family: String,
    /// Tên đệm — middle name(s) between family and given name ("Thị",
    /// "Thị Thu"), joined by single spaces. Empty when there is none.
    pub middle: String,
    /// Tên — given name, last word ("Liên").
    pub given: String,
}

impl PersonName {
    /// Splits a full name: first word family name, last word given name,
    /// words in between the middle name. Extra whitespace is ignored.
    /// "Liên" → given only; "Trần Liên" → family and given.
    /// Returns `None` for a blank name.
    pub fn parse(full_name: &str) -> Option<PersonName> {
        let words: Vec<&str> = full_name.split_whitespace().collect();
        let (given, rest) = words.split_last()?;
        let (family, middle) = match rest.split_first() {
            Some((family, middle)) => (family.to_string(), middle.join(" ")),
            None => (String::new(), String::new()),
        };
        Some(PersonName {
            family,
            middle,
            given: given.to_string(),
        })
    }

    /// The full name in Vietnamese order, single-spaced ("Trần Thị Liên").
    pub fn full_name(&self) -> String {
        [&self.family, &self.middle, &self.given]
            .into_iter()
            .filter(|part| !part.is_empty())
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The key that orders people by given name, then middle name(s), then
    /// family name, each in Vietnamese collation.
    pub fn sort_key(&self) -> NameSortKey {
        NameSortKey {
            given: collation_key(&self.given),
            middle: collation_key(&self.middle),
            family: collation_key(&self.family),
        }
    }
}

/// Sort key of a person's name: given name, then middle, then family name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NameSortKey {
    given: CollationKey,
    middle: CollationKey,
    family: CollationKey,
}

impl NameSortKey {
    /// The key of a full name written "family middle given".
    pub fn from_full_name(full_name: &str) -> NameSortKey {
        PersonName::parse(full_name).unwrap_or_default().sort_key()
    }
}

/// Compares two full names the Vietnamese way: given name, then middle
/// name(s), then family name.
pub fn compare_by_given_name(a: &str, b: &str) -> Ordering {
    NameSortKey::from_full_name(a).cmp(&NameSortKey::from_full_name(b))
}

/// Sorts any list of people by their full names, given name first
/// (stable: people with identical names keep their order).
///
/// ```
/// use shared::domain::names::sort_people_by_given_name;
/// let mut people = vec!["Trần Thị Liên", "Nguyễn Văn An"];
/// sort_people_by_given_name(&mut people, |p| p);
/// assert_eq!(people, ["Nguyễn Văn An", "Trần Thị Liên"]);
/// ```
pub fn sort_people_by_given_name<T, F>(people: &mut [T], full_name: F)
where
    F: Fn(&T) -> &str,
{
    people.sort_by_cached_key(|p| NameSortKey::from_full_name(full_name(p)));
}

// ---------------------------------------------------------------------------
// Forms of address
// ---------------------------------------------------------------------------

/// Gender (giới tính), as needed for forms of address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Gender {
    /// Nam.
    Male,
    /// Nữ.
    Female,
}

/// Text folded for a search box: no tones, no marks on ă â ê ô ơ ư, đ as d,
/// lower case, so that "nguyen van an" finds "Nguyễn Văn An".
pub fn search_fold(text: &str) -> String {
    strip_tones(&normalize_vietnamese(text))
        .chars()
        .map(|c| match c {
            'ă' | 'â' => 'a',
            'ê' => 'e',
            'ô' | 'ơ' => 'o',
            'ư' => 'u',
            'đ' => 'd',
            other => other,
        })
        .collect::<String>()
        .to_lowercase()
}

/// Whether every word of `query` appears in `text` ([`search_fold`]ed).
pub fn search_matches(query: &str, text: &str) -> bool {
    let text = search_fold(text);
    search_fold(query)
        .split_whitespace()
        .all(|w| text.contains(w))
}

/// `text` with only its first letter in lower case, for a label used inside
/// a sentence ("Đăng ký thi đua Ông Hoàng Văn Nam" → "Xoá đăng ký thi đua
/// Ông Hoàng Văn Nam"): names and other capitals further on are kept.
pub fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `text` with its first letter in upper case, for a sentence that starts
/// with a label ("tập thể đơn vị đã đăng ký…" → "Tập thể đơn vị…").
pub fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The formal Vietnamese form of address: "Ông" (Mr) or "Bà" (Ms/Mrs),
/// as in "Ông Nguyễn Văn An", "Bà Trần Thị Liên".
pub fn form_of_address(gender: Gender) -> &'static str {
    match gender {
        Gender::Male => "Ông",
        Gender::Female => "Bà",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_ignores_tones_marks_case_and_word_order() {
        assert!(search_matches("nguyen an", "Ông Nguyễn Văn An"));
        assert!(search_matches("AN NGUYỄN", "Nguyễn Văn An"));
        assert!(search_matches("12/ttr", "12/TTr-VP — Bà Trần Thị Liên"));
        assert!(search_matches("duc", "Lê Văn Đức"));
        assert!(search_matches("", "anything"));
        assert!(!search_matches("lien", "Nguyễn Văn An"));
    }

    #[test]
    fn lower_first_keeps_the_capitals_of_names() {
        assert_eq!(
            lower_first("Đăng ký thi đua Ông Hoàng Văn Nam"),
            "đăng ký thi đua Ông Hoàng Văn Nam"
        );
        assert_eq!(lower_first(""), "");
        assert_eq!(upper_first("tập thể đơn vị"), "Tập thể đơn vị");
    }

    fn assert_strictly_ascending(words: &[&str]) {
        for pair in words.windows(2) {
            assert_eq!(
                compare_vietnamese(pair[0], pair[1]),
                Ordering::Less,
                "{} should sort before {}",
                pair[0],
                pair[1]
            );
            assert_eq!(compare_vietnamese(pair[1], pair[0]), Ordering::Greater);
        }
    }

    #[test]
    fn parse_three_word_name() {
        let n = PersonName::parse("Trần Thị Liên").unwrap();
        assert_eq!(
            (n.family.as_str(), n.middle.as_str(), n.given.as_str()),
            ("Trần", "Thị", "Liên")
        );
    }

    #[test]
    fn parse_long_name_keeps_all_middle_names() {
        let n = PersonName::parse("Nguyễn Thị Thu Hằng").unwrap();
        assert_eq!(n.family, "Nguyễn");
        assert_eq!(n.middle, "Thị Thu");
        assert_eq!(n.given, "Hằng");
    }

    #[test]
    fn parse_one_and_two_words_and_whitespace() {
        let one = PersonName::parse("  Liên ").unwrap();
        assert_eq!((one.family.as_str(), one.middle.as_str()), ("", ""));
        assert_eq!(one.given, "Liên");
        let two = PersonName::parse("Trần \t  Liên").unwrap();
        assert_eq!((two.family.as_str(), two.middle.as_str()), ("Trần", ""));
        assert_eq!(two.given, "Liên");
        assert_eq!(two.full_name(), "Trần Liên");
        let three = PersonName::parse("  Lò   Văn  Páo ").unwrap();
        assert_eq!(three.full_name(), "Lò Văn Páo");
        assert_eq!(PersonName::parse("   "), None);
        assert_eq!(PersonName::parse(""), None);
    }

    #[test]
    fn d_before_d_stroke() {
        assert_strictly_ascending(&["Dũng", "Đức"]);
        assert_strictly_ascending(&["Dương", "Đào", "Em"]);
        // đ sorts as its own letter, not as a variant of d: "Dz" < "Đa".
        assert_strictly_ascending(&["Dzung", "Đa"]);
    }

    #[test]
    fn vowel_letters_with_modifiers_are_distinct_letters() {
        assert_strictly_ascending(&["a", "ă", "â", "b"]);
        assert_strictly_ascending(&["e", "ê", "g"]);
        assert_strictly_ascending(&["o", "ô", "ơ", "p"]);
        assert_strictly_ascending(&["u", "ư", "v"]);
        // The letter decides before later letters do: "Ăn" < "Âm" though n > m.
        assert_strictly_ascending(&["Anh", "Ăn", "Âm"]);
    }

    #[test]
    fn tones_after_base_letter_in_conventional_order() {
        assert_strictly_ascending(&["Ma", "Mà", "Má", "Mả", "Mã", "Mạ"]);
        assert_strictly_ascending(&["Ma", "Mạ", "Mac"]);
    }

    #[test]
    fn tones_are_only_a_tie_break_after_all_letters_of_the_word() {
        // "Mạnh" vs "Manh": letters equal, tone decides.
        assert_strictly_ascending(&["Manh", "Mạnh"]);
        // "Mà" vs "Mac": letters differ (ma < mac), so the tone is not looked at.
        assert_strictly_ascending(&["Mà", "Mac"]);
        // "Hòa" < "Hoan": the toneless "hoa" is a prefix of "hoan".
        assert_strictly_ascending(&["Hòa", "Hoan"]);
    }

    #[test]
    fn foreign_letters_take_latin_places() {
        assert_strictly_ascending(&["Ê", "Fanny", "Giang"]);
        assert_strictly_ascending(&["Ích", "John", "Kiên"]);
        assert_strictly_ascending(&["Vân", "William", "Xuân", "Yến", "Zoe"]);
    }

    #[test]
    fn case_insensitive_with_deterministic_tie_break() {
        // Case never outranks letters or tones.
        assert_strictly_ascending(&["an", "AN", "ăn"]);
        assert_strictly_ascending(&["Mà", "má"]);
        assert_eq!(compare_vietnamese("Liên", "Liên"), Ordering::Equal);
        assert_eq!(compare_vietnamese("an", "An"), Ordering::Less);
        // Upper-case precomposed letters decompose like lower-case ones.
        assert_strictly_ascending(&["DŨNG", "ĐỨC"]);
    }

    #[test]
    fn nfd_input_equals_nfc_input() {
        let pairs = [
            ("Nguyễn", "Nguye\u{0302}\u{0303}n"),
            ("Đặng", "Đa\u{0306}\u{0323}ng"),
            ("Lệ", "Le\u{0323}\u{0302}"), // canonical NFD order: dot below first
            ("Lệ", "Le\u{0302}\u{0323}"), // and the other order
            ("Phương", "Phu\u{031B}o\u{031B}ng"),
            ("Thủy", "Thu\u{0309}y"),
            ("Thuỷ", "Thuy\u{0309}"),
            ("ẤN", "A\u{0302}\u{0301}N"),
            ("Ơn", "O\u{031B}n"),
            ("Hoà", "Hoa\u{0340}"),
            // precomposed base vowel followed by a combining tone (old keyboards)
            ("Mười", "Mươ\u{0300}i"),
        ];
        for (nfc, nfd) in pairs {
            assert_eq!(normalize_vietnamese(nfd), nfc, "normalising {nfd:?}");
            assert_eq!(compare_vietnamese(nfc, nfd), Ordering::Equal, "{nfc}");
            assert_eq!(collation_key(nfc), collation_key(nfd));
        }
        assert_eq!(
            compare_by_given_name(
                "Nguyễn Văn Dũng",
                "Nguye\u{0302}\u{0303}n Va\u{0306}n Du\u{0303}ng"
            ),
            Ordering::Equal
        );
    }

    #[test]
    fn old_and_new_tone_placement_weigh_the_same() {
        // "Thủy" (old placement) and "Thuỷ" (new) differ only in the final
        // tie-break, so both sit between "Thúy" and "Thũy".
        assert_strictly_ascending(&["Thuy", "Thúy", "Thủy", "Thũy"]);
        assert_strictly_ascending(&["Thúy", "Thuỷ", "Thũy"]);
        let ab = compare_vietnamese("Thủy", "Thuỷ");
        assert_ne!(ab, Ordering::Equal);
        assert_eq!(compare_vietnamese("Thuỷ", "Thủy"), ab.reverse());
    }

    #[test]
    fn non_vietnamese_marks_are_kept_apart() {
        // A diaeresis is not Vietnamese: the texts stay distinct, in a fixed order.
        let plain = "Muller";
        let marked = "Mu\u{0308}ller";
        assert_ne!(compare_vietnamese(plain, marked), Ordering::Equal);
        assert_eq!(normalize_vietnamese(marked), marked);
    }

    #[test]
    fn strip_tones_keeps_letters() {
        assert_eq!(strip_tones("Nguyễn Thị Ánh"), "nguyên thi anh");
        assert_eq!(strip_tones("Đặng"), "đăng");
    }

    #[test]
    fn person_sorts_by_given_name_not_family_name() {
        // "Trần Thị Liên" sorts under L (Liên), after "Phạm Văn Bình" (B).
        assert_eq!(
            compare_by_given_name("Trần Thị Liên", "Phạm Văn Bình"),
            Ordering::Greater
        );
        // Same given name: the middle name decides, then the family name.
        assert_eq!(
            compare_by_given_name("Trần Thị Liên", "Lê Văn Liên"),
            Ordering::Less
        );
        assert_eq!(
            compare_by_given_name("Vũ Thị Liên", "Trần Thị Liên"),
            Ordering::Greater
        );
    }

    #[test]
    fn realistic_staff_list_in_exact_order() {
        #[derive(Debug)]
        struct Staff {
            full_name: &'static str,
        }
        let mut staff: Vec<Staff> = [
            "Trần Thị Liên",
            "Nguyễn Văn Đức",
            "Hoàng Văn Dũng",
            "Lò Văn Páo",
            "Nông Thị Ánh",
            "Đinh Thị Ân",
            "Lê Thị Liên",
            "Hà Thị Thu Hằng",
            "Vàng A Sính",
            "Ma Thị An",
            "Bế Văn Hùng",
            "Nguyễn Thị Hạnh",
        ]
        .into_iter()
        .map(|full_name| Staff { full_name })
        .collect();
        sort_people_by_given_name(&mut staff, |s| s.full_name);
        let order: Vec<&str> = staff.iter().map(|s| s.full_name).collect();
        assert_eq!(
            order,
            [
                "Ma Thị An",       // an
                "Nông Thị Ánh",    // anh (an < anh: prefix)
                "Đinh Thị Ân",     // ân (â after a)
                "Hoàng Văn Dũng",  // dung
                "Nguyễn Văn Đức",  // đ after d
                "Nguyễn Thị Hạnh", // hanh
                "Hà Thị Thu Hằng", // hăng (ă after a)
                "Bế Văn Hùng",     // hung
                "Lê Thị Liên",     // liên: same given and middle, Lê < Trần
                "Trần Thị Liên",
                "Lò Văn Páo",
                "Vàng A Sính",
            ]
        );
    }

    #[test]
    fn sort_is_stable_for_identical_names() {
        let mut people = vec![("Trần Thị Liên", 1), ("Trần Thị Liên", 2), ("Lê An", 3)];
        sort_people_by_given_name(&mut people, |p| p.0);
        assert_eq!(people.iter().map(|p| p.1).collect::<Vec<_>>(), [3, 1, 2]);
    }

    #[test]
    fn sort_vietnamese_plain_texts() {
        let mut words = vec!["Đức", "Mạ", "ăn", "Ma", "an", "Dũng"];
        sort_vietnamese(&mut words);
        assert_eq!(words, ["an", "ăn", "Dũng", "Đức", "Ma", "Mạ"]);
    }

    #[test]
    fn forms_of_address() {
        assert_eq!(form_of_address(Gender::Male), "Ông");
        assert_eq!(form_of_address(Gender::Female), "Bà");
    }
}
