//! Unit conversions.

/// Converts degrees Fahrenheit to degrees Celsius.
pub fn fahrenheit_to_celsius(f: f64) -> f64 {
    (f - 32.0) * 5.0 / 9.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freezing_and_boiling() {
        assert!((fahrenheit_to_celsius(32.0) - 0.0).abs() < 1e-9);
        assert!((fahrenheit_to_celsius(212.0) - 100.0).abs() < 1e-9);
    }
}
