//! Small helpers for people's names.

/// "First Last", with both parts trimmed.
pub fn full_name(first: &str, last: &str) -> String {
    format!("{} {}", first.trim(), last.trim()).trim().to_string()
}

/// Whether a name has no visible characters.
pub fn is_blank(name: &str) -> bool {
    name.trim().is_empty()
}

/// The number of words in a name.
pub fn word_count(name: &str) -> usize {
    name.split_whitespace().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_and_trims() {
        assert_eq!(full_name(" Ada ", "Lovelace"), "Ada Lovelace");
        assert_eq!(full_name("Cher", ""), "Cher");
    }

    #[test]
    fn blank_and_words() {
        assert!(is_blank("  \t"));
        assert!(!is_blank(" x "));
        assert_eq!(word_count(" grace  hopper "), 2);
    }
}
