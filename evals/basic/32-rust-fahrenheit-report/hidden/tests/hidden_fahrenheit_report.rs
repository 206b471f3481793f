use weather::convert::{celsius_to_fahrenheit, fahrenheit_to_celsius};
use weather::report::format_reading;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn converts_known_points() {
    assert!(close(celsius_to_fahrenheit(0.0), 32.0));
    assert!(close(celsius_to_fahrenheit(100.0), 212.0));
    assert!(close(celsius_to_fahrenheit(-40.0), -40.0));
    assert!(close(celsius_to_fahrenheit(37.0), 98.6));
}

#[test]
fn round_trips_with_existing_conversion() {
    for c in [-30.0, -1.5, 0.0, 12.25, 55.0] {
        assert!(close(fahrenheit_to_celsius(celsius_to_fahrenheit(c)), c));
    }
}

#[test]
fn report_shows_both_units() {
    assert_eq!(format_reading(21.5), "21.5°C (70.7°F)");
    assert_eq!(format_reading(-40.0), "-40.0°C (-40.0°F)");
    assert_eq!(format_reading(0.0), "0.0°C (32.0°F)");
    assert_eq!(format_reading(100.0), "100.0°C (212.0°F)");
}
