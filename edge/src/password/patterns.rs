//! Reading a password as patterns: the effective length once repetitions, sequences,
//! keyboard walks, repeats, dates and common words count for little.

use super::*;

/// Keyboard walks, as lines of adjacent keys (read both ways), after [`fold`]: AZERTY,
/// QWERTY and QWERTZ rows and columns, the AZERTY digit row without Shift, the keypad.
pub(super) const KEYBOARD_LINES: &[&str] = &[
    "azertyuiop",
    "qsdfghjklm",
    "wxcvbn",
    "&e\"'(-e_ca)=",
    "1aqw",
    "2zsx",
    "3edc",
    "4rfv",
    "5tgb",
    "6yhn",
    "7uj,",
    "8ik;",
    "9ol:",
    "0pm!",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1234567890",
    "1qaz",
    "2wsx",
    "7ujm",
    "8ik,",
    "9ol.",
    "0p;/",
    "qwertzuiop",
    "yxcvbnm",
    "147",
    "258",
    "369",
    "159",
    "357",
];

/// The length of `s` once each predictable chunk counts for [`PATTERN_COST`] characters:
/// the cheapest cover of `s` by single characters (1 each) and chunks (found by
/// [`chunks_at`]), by dynamic programming from the end.
pub(super) fn effective_len(s: &[char]) -> usize {
    let n = s.len();
    let words: Vec<&[u8]> = common_words().collect();
    let mut best = vec![0usize; n + 1];
    for i in (0..n).rev() {
        let mut b = 1 + best[i + 1];
        for (lo, hi) in chunks_at(s, i, &words) {
            if let Some(rest) = best.get(lo..=hi).and_then(|ends| ends.iter().min()) {
                b = b.min(PATTERN_COST + rest);
            }
        }
        best[i] = b;
    }
    best[0]
}

/// The predictable chunks that start at `i`, as ranges of their possible ends
/// `(shortest, longest)`: every end in between also makes a chunk.
pub(super) fn chunks_at(s: &[char], i: usize, words: &[&[u8]]) -> Vec<(usize, usize)> {
    let n = s.len();
    let mut out = Vec::new();
    let mut push = |lo: usize, hi: usize| {
        if lo <= hi && hi <= n {
            out.push((lo, hi));
        }
    };
    // Repetitions of one character: "aaa", "!!!!".
    let run = s[i..].iter().take_while(|&&c| c == s[i]).count();
    push(i + 3, i + run);
    // Sequences of letters or digits, by 1 or 2, up or down: "abcd", "4321", "2468".
    for step in [1i32, -1, 2, -2] {
        let len = 1 + s[i..]
            .windows(2)
            .take_while(|w| same_class(w[0], w[1]) && diff(w[0], w[1]) == Some(step))
            .count();
        push(i + min_walk(&s[i..i + len]), i + len);
    }
    // Doubled sequences: "aabbcc", "112233".
    let pairs = s[i..]
        .chunks_exact(2)
        .take_while(|p| p[0] == p[1])
        .collect::<Vec<_>>();
    let doubled = 1 + pairs
        .windows(2)
        .take_while(|w| {
            same_class(w[0][0], w[1][0]) && matches!(diff(w[0][0], w[1][0]), Some(-1 | 1))
        })
        .count();
    push(i + 6, i + 2 * doubled.min(pairs.len()));
    // Interleaved sequences: "a1b2c3", "1a2b3c".
    let chain_step = |k: usize| -> Option<i32> {
        let (a, b) = (*s.get(k)?, *s.get(k + 2)?);
        diff(a, b).filter(|d| same_class(a, b) && d.abs() <= 1)
    };
    if let (Some(even), Some(odd)) = (chain_step(i), chain_step(i + 1)) {
        let mut len = 4;
        while i + len < n && chain_step(i + len - 2) == Some(if len % 2 == 0 { even } else { odd })
        {
            len += 1;
        }
        push(i + 6, i + len);
    }
    // Keyboard walks: "azer", "poiu", "1qaz", "741".
    for line in KEYBOARD_LINES {
        let keys = line.as_bytes();
        for start in (0..keys.len()).filter(|&p| char::from(keys[p]) == s[i]) {
            for dir in [1isize, -1] {
                let mut len = 1;
                while i + len < n {
                    let p = start as isize + dir * len as isize;
                    match usize::try_from(p).ok().and_then(|p| keys.get(p)) {
                        Some(&k) if char::from(k) == s[i + len] => len += 1,
                        _ => break,
                    }
                }
                push(i + min_walk(&s[i..i + len]), i + len);
            }
        }
    }
    // Repeats of an earlier part, forwards or backwards: "abcabc", "soleilsoleil", "12344321".
    let mut repeat = 0;
    let mut mirror = 0;
    for k in 0..i {
        let fwd = s[i..]
            .iter()
            .zip(&s[k..])
            .take_while(|(a, b)| a == b)
            .count();
        repeat = repeat.max(fwd);
        let back = s[i..]
            .iter()
            .zip(s[..=k].iter().rev())
            .take_while(|(a, b)| a == b)
            .count();
        mirror = mirror.max(back);
    }
    push(i + 3, i + repeat);
    push(i + 4, i + mirror);
    // Years and dates: "1987", "2024", "2512" (25 December).
    if let Some(d) = s.get(i..i + 4).and_then(four_digits) {
        let (hi, lo) = (d / 100, d % 100);
        if hi == 19 || hi == 20 || ((1..=31).contains(&hi) && (1..=12).contains(&lo)) {
            push(i + 4, i + 4);
        }
    }
    // Common passwords, leetspeak included: "soleil", "p@ssw0rd".
    for w in words {
        if s.get(i..i + w.len()).is_some_and(|c| matches_word(c, w)) {
            push(i + w.len(), i + w.len());
        }
    }
    out
}

pub(super) fn same_class(a: char, b: char) -> bool {
    (a.is_ascii_lowercase() && b.is_ascii_lowercase()) || (a.is_ascii_digit() && b.is_ascii_digit())
}

pub(super) fn diff(a: char, b: char) -> Option<i32> {
    i32::try_from(u32::from(b))
        .ok()?
        .checked_sub(i32::try_from(u32::from(a)).ok()?)
}

/// Walks and sequences count from 3 digits ("123", "741") but 4 letters, since many
/// French words hold 3 ("poi" in "poisson", "ert" in "vert", "def" in "défi").
pub(super) fn min_walk(walk: &[char]) -> usize {
    if walk.iter().all(char::is_ascii_digit) {
        3
    } else {
        4
    }
}

pub(super) fn four_digits(s: &[char]) -> Option<u32> {
    s.iter()
        .try_fold(0, |acc, c| Some(acc * 10 + c.to_digit(10)?))
}
