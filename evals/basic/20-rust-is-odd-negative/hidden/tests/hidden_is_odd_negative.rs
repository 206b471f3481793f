use numkit::{count_odd, is_odd, sum_even};

#[test]
fn negative_odd_numbers_are_odd() {
    assert!(is_odd(-1));
    assert!(is_odd(-3));
    assert!(is_odd(-99));
}

#[test]
fn negative_even_numbers_are_not_odd() {
    assert!(!is_odd(-2));
    assert!(!is_odd(-100));
}

#[test]
fn positive_numbers_unchanged() {
    assert!(is_odd(5));
    assert!(!is_odd(0));
    assert!(!is_odd(8));
}

#[test]
fn reported_examples() {
    assert_eq!(count_odd(&[-3, -1, 2, 5]), 3);
    assert_eq!(sum_even(&[-3, 4]), 4);
}

#[test]
fn mixed_values() {
    assert_eq!(count_odd(&[-5, -4, -3, 0, 3, 4, 5]), 4);
    assert_eq!(sum_even(&[-5, -4, -3, 0, 3, 4, 6]), 6);
    assert_eq!(sum_even(&[-7, -2]), -2);
}
