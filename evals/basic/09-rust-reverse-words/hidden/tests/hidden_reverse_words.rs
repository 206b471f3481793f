use wordtools::reverse_words;

#[test]
fn reverses_three_words() {
    assert_eq!(reverse_words("hello big world"), "world big hello");
}

#[test]
fn single_word_unchanged() {
    assert_eq!(reverse_words("rust"), "rust");
}

#[test]
fn extra_whitespace_is_collapsed() {
    assert_eq!(reverse_words("  a   b "), "b a");
    assert_eq!(reverse_words("one\ttwo\nthree"), "three two one");
}

#[test]
fn empty_and_blank_inputs() {
    assert_eq!(reverse_words(""), "");
    assert_eq!(reverse_words("   "), "");
}

#[test]
fn existing_functions_still_work() {
    assert_eq!(wordtools::word_count("a b c"), 3);
    assert_eq!(wordtools::longest_word("x yyy zz"), Some("yyy"));
}
