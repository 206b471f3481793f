use std::os::unix::fs::symlink;

use super::*;

/// A root and an "outside" beside it holding a canary.
fn fixture() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let parent = tempfile::tempdir().unwrap();
    let root = parent.path().join("root");
    let outside = parent.path().join("outside");
    std::fs::create_dir(&root).unwrap();
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("canary"), "secret\n").unwrap();
    (parent, root, outside)
}

#[test]
fn reads_and_writes_inside_the_root() {
    let (_parent, root, _) = fixture();
    let ws = Workspace::open(&root).unwrap();
    assert_eq!(
        ws.write_all(&[
            ("pkg/mod.py".into(), b"x = 1\n".to_vec()),
            ("./top.py".into(), b"y\n".to_vec())
        ])
        .unwrap(),
        vec!["pkg/mod.py", "top.py"]
    );
    assert_eq!(ws.read("pkg/mod.py").unwrap().as_deref(), Some("x = 1\n"));
    assert_eq!(ws.read("missing.py").unwrap(), None);
    assert_eq!(ws.read("nodir/missing.py").unwrap(), None);
    ws.remove("top.py").unwrap();
    ws.remove("top.py").unwrap();
    assert!(!root.join("top.py").exists());
    let leftovers: Vec<_> = std::fs::read_dir(root.join("pkg"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, vec!["mod.py"], "no temporary file is left");
}

#[test]
fn links_are_never_followed_in_reads_or_writes() {
    let (_parent, root, outside) = fixture();
    symlink(outside.join("canary"), root.join("notes.md")).unwrap();
    symlink(&outside, root.join("dir")).unwrap();
    symlink("/dev/zero", root.join("zero.py")).unwrap();
    symlink("/proc/self/environ", root.join("env.txt")).unwrap();
    let ws = Workspace::open(&root).unwrap();
    for path in ["notes.md", "dir/canary", "zero.py", "env.txt"] {
        let err = ws.read(path).unwrap_err();
        assert!(matches!(err, FsError::Refused { .. }), "{path}: {err}");
        let err = ws.write(path, b"pwned\n").unwrap_err();
        assert!(matches!(err, FsError::Refused { .. }), "{path}: {err}");
        assert_eq!(ws.kind(path).is_some(), path != "dir/canary");
    }
    ws.remove("notes.md").unwrap();
    assert!(root.join("dir").exists());
    assert_eq!(
        std::fs::read_to_string(outside.join("canary")).unwrap(),
        "secret\n"
    );
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 1);
}

#[test]
fn a_link_planted_at_a_predictable_temporary_name_receives_nothing() {
    let (_parent, root, outside) = fixture();
    // Every name the old staging scheme used, and a few random-looking ones.
    for n in 0..4 {
        symlink(
            outside.join("canary"),
            root.join(format!(".nightshift-edit-{n}.tmp")),
        )
        .unwrap();
    }
    let ws = Workspace::open(&root).unwrap();
    ws.write("a.py", b"x = 1\n").unwrap();
    assert_eq!(
        std::fs::read_to_string(outside.join("canary")).unwrap(),
        "secret\n"
    );
}

#[test]
fn a_hard_link_never_carries_a_write_outside() {
    let (_parent, root, outside) = fixture();
    std::fs::hard_link(outside.join("canary"), root.join("linked.py")).unwrap();
    let ws = Workspace::open(&root).unwrap();
    ws.write("linked.py", b"x = 1\n").unwrap();
    assert_eq!(
        std::fs::read_to_string(outside.join("canary")).unwrap(),
        "secret\n"
    );
    assert_eq!(ws.read("linked.py").unwrap().as_deref(), Some("x = 1\n"));
}

#[test]
fn special_huge_and_binary_files_are_refused_not_read() {
    let (_parent, root, _) = fixture();
    nix::unistd::mkfifo(&root.join("pipe.py"), nix::sys::stat::Mode::S_IRWXU).unwrap();
    std::fs::create_dir(root.join("adir")).unwrap();
    let big = std::fs::File::create(root.join("big.py")).unwrap();
    big.set_len(READ_LIMIT_BYTES + 1).unwrap();
    std::fs::write(root.join("bin.py"), [0xff, 0xfe, 0x00]).unwrap();
    let ws = Workspace::open(&root).unwrap();
    for path in ["pipe.py", "adir", "big.py", "bin.py"] {
        let err = ws.read(path).unwrap_err();
        assert!(matches!(err, FsError::Refused { .. }), "{path}: {err}");
        assert_eq!(ws.read_text(path), None);
    }
    assert_eq!(ws.kind("pipe.py"), Some(Kind::Special));
    // A directory where the file should be: refused before anything is written.
    let err = ws
        .write_all(&[
            ("fine.py".into(), b"x\n".to_vec()),
            ("adir".into(), b"x\n".to_vec()),
        ])
        .unwrap_err();
    assert!(matches!(err, FsError::Refused { .. }), "{err}");
    assert!(!root.join("fine.py").exists());
}

#[test]
fn bad_and_protected_paths_are_refused_and_nothing_is_written() {
    let (_parent, root, _) = fixture();
    std::fs::create_dir(root.join(".git")).unwrap();
    let ws = Workspace::open(&root).unwrap();
    for path in [
        "/etc/passwd",
        "../escape.py",
        "a/../../escape.py",
        ".git/hooks/pre-commit",
        ".GIT/config",
        "",
        "nightshift.toml",
        "NightShift.TOML",
        "sub/../nightshift.toml",
        ".husky/pre-commit",
        ".husky/_/post-merge",
        ".githooks/post-checkout",
        ".pre-commit-config.yaml",
        ".gitattributes",
        ".gitmodules",
        ".github/workflows/ci.yml",
        ".nightshift/nightshift.db",
    ] {
        let err = ws
            .write_all(&[
                ("fine.py".into(), b"x\n".to_vec()),
                (path.into(), b"x\n".to_vec()),
            ])
            .unwrap_err();
        assert!(matches!(err, FsError::Refused { .. }), "{path:?}: {err}");
    }
    assert!(!root.join("fine.py").exists());
    // Nested files of the same name are ordinary files; the tree's own config is readable.
    ws.write("docs/nightshift.toml", b"x\n").unwrap();
    std::fs::write(root.join("nightshift.toml"), "a = 1\n").unwrap();
    assert_eq!(ws.read_text("nightshift.toml").as_deref(), Some("a = 1\n"));
}
