use names::{full_name, initials, word_count};

#[test]
fn two_words() {
    assert_eq!(initials("ada lovelace"), "AL");
}

#[test]
fn already_upper_case_and_single_word() {
    assert_eq!(initials("Grace Brewster Murray Hopper"), "GBMH");
    assert_eq!(initials("cher"), "C");
    assert_eq!(initials("x"), "X");
}

#[test]
fn extra_whitespace() {
    assert_eq!(initials("  alan   mathison\tturing  "), "AMT");
}

#[test]
fn no_words() {
    assert_eq!(initials(""), "");
    assert_eq!(initials("   "), "");
}

#[test]
fn existing_functions() {
    assert_eq!(full_name("Ada", "Lovelace"), "Ada Lovelace");
    assert_eq!(word_count("a b c"), 3);
}
