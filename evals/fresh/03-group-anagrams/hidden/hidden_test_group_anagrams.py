from words import group_anagrams, is_anagram, longest


def test_basic_grouping():
    words = ["listen", "google", "silent", "enlist", "banana", "gogole"]
    assert group_anagrams(words) == [
        ["listen", "silent", "enlist"],
        ["google", "gogole"],
        ["banana"],
    ]


def test_case_is_ignored_but_spelling_kept():
    assert group_anagrams(["Dusty", "study", "Night", "THING", "cat"]) == [
        ["Dusty", "study"],
        ["Night", "THING"],
        ["cat"],
    ]


def test_duplicates_and_singletons():
    assert group_anagrams(["ab", "ba", "ab", "c"]) == [["ab", "ba", "ab"], ["c"]]
    assert group_anagrams(["solo"]) == [["solo"]]


def test_letter_counts_matter():
    assert group_anagrams(["aab", "abb", "bab"]) == [["aab"], ["abb", "bab"]]


def test_empty():
    assert group_anagrams([]) == []


def test_every_word_once():
    words = ["rat", "tar", "art", "star", "tars", "cheese", "Arts"]
    groups = group_anagrams(words)
    flat = [w for g in groups for w in g]
    assert sorted(flat) == sorted(words)
    assert groups[0] == ["rat", "tar", "art"]
    assert groups[1] == ["star", "tars", "Arts"]


def test_existing_helpers():
    assert is_anagram("Listen", "silent")
    assert longest(["a", "abc", "xyz"]) == "abc"
