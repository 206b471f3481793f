//! Progress reporting for long-running jobs.

/// The percentage of `done` steps out of `total`, rounded down; 0 when `total` is 0.
pub fn percent(done: u32, total: u32) -> u32 {
    if total == 0 {
        return 0;
    }
    done / total * 100
}

/// A label such as "3/4 steps (75%)".
pub fn label(done: u32, total: u32) -> String {
    format!("{}/{} steps ({}%)", done, total, percent(done, total))
}

/// A bar `width` characters wide: '#' for the finished share, '-' for the rest.
pub fn bar(done: u32, total: u32, width: usize) -> String {
    let filled = percent(done, total) as usize * width / 100;
    format!("{}{}", "#".repeat(filled), "-".repeat(width - filled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finished() {
        assert_eq!(percent(4, 4), 100);
        assert_eq!(label(4, 4), "4/4 steps (100%)");
        assert_eq!(bar(4, 4, 5), "#####");
    }

    #[test]
    fn not_started() {
        assert_eq!(percent(0, 5), 0);
        assert_eq!(bar(0, 5, 4), "----");
    }

    #[test]
    fn no_steps() {
        assert_eq!(percent(0, 0), 0);
        assert_eq!(label(0, 0), "0/0 steps (0%)");
    }
}
