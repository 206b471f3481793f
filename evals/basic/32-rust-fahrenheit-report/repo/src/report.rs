//! Text formatting of temperature readings.

/// Formats a reading given in degrees Celsius, e.g. `21.5°C`.
pub fn format_reading(celsius: f64) -> String {
    format!("{:.1}°C", celsius)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_one_decimal() {
        assert_eq!(format_reading(21.5), "21.5°C");
    }
}
