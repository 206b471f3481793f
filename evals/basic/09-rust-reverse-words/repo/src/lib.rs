//! Small word helpers.

/// Returns the number of whitespace-separated words in `s`.
pub fn word_count(s: &str) -> usize {
    s.split_whitespace().count()
}

/// Returns the longest word of `s` (the first one on ties), or `None` if there is none.
pub fn longest_word(s: &str) -> Option<&str> {
    let mut best: Option<&str> = None;
    for word in s.split_whitespace() {
        match best {
            Some(b) if b.len() >= word.len() => {}
            _ => best = Some(word),
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_words() {
        assert_eq!(word_count("one two  three"), 3);
        assert_eq!(word_count(""), 0);
    }

    #[test]
    fn finds_longest_word() {
        assert_eq!(longest_word("a bbb cc ddd"), Some("bbb"));
        assert_eq!(longest_word("   "), None);
    }
}
