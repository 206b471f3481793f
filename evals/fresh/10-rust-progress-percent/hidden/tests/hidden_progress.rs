use progress::{bar, label, percent};

#[test]
fn partial_progress() {
    assert_eq!(percent(3, 4), 75);
    assert_eq!(percent(1, 2), 50);
    assert_eq!(percent(1, 4), 25);
}

#[test]
fn rounds_down() {
    assert_eq!(percent(1, 3), 33);
    assert_eq!(percent(2, 3), 66);
    assert_eq!(percent(99, 100), 99);
    assert_eq!(percent(1, 1000), 0);
}

#[test]
fn ends_unchanged() {
    assert_eq!(percent(0, 7), 0);
    assert_eq!(percent(7, 7), 100);
    assert_eq!(percent(0, 0), 0);
}

#[test]
fn label_and_bar() {
    assert_eq!(label(3, 4), "3/4 steps (75%)");
    assert_eq!(bar(3, 4, 8), "######--");
    assert_eq!(bar(1, 2, 10), "#####-----");
    assert_eq!(bar(2, 2, 3), "###");
}
