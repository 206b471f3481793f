//! Integer helpers.

/// Returns true if `n` is odd.
pub fn is_odd(n: i64) -> bool {
    n % 2 == 1
}

/// Counts the odd numbers in `values`.
pub fn count_odd(values: &[i64]) -> usize {
    values.iter().filter(|v| is_odd(**v)).count()
}

/// Sums the even numbers in `values`.
pub fn sum_even(values: &[i64]) -> i64 {
    values.iter().filter(|v| !is_odd(**v)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_positive_numbers() {
        assert!(is_odd(1));
        assert!(is_odd(7));
        assert!(!is_odd(0));
        assert!(!is_odd(10));
    }

    #[test]
    fn count_and_sum_positive() {
        assert_eq!(count_odd(&[1, 2, 3, 4, 5]), 3);
        assert_eq!(sum_even(&[1, 2, 3, 4]), 6);
        assert_eq!(sum_even(&[]), 0);
    }
}
