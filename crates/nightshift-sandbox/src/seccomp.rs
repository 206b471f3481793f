//! The system calls a run may not make, as a seccomp filter bubblewrap installs before `exec`.
//!
//! Namespaces decide what a run can see; this filter takes away kernel interfaces it has no use
//! for and that widen what a bug in the kernel, or a mistake in the namespaces, would give it:
//! reaching into other processes (`ptrace`, `process_vm_*`), io_uring and eBPF (large kernel
//! attack surface, and io_uring bypasses a filter on the calls it replaces), changing mounts or
//! namespaces (a mask over a host socket or a read-only bind could be undone), opening files by
//! handle (the classic way out of a bind mount), the kernel keyring, modules, `kexec`, swap and
//! reboot. Each returns `EPERM`, so a test that probes for them fails cleanly instead of dying.
//! Every other call is allowed: test suites use threads, `clone`, signals, sockets on loopback
//! and the rest of the ordinary Linux API.
//!
//! The filter is compiled once (`seccompiler`, rust-vmm's BPF compiler) and handed to each run in
//! a sealed-off memory file, the descriptor bubblewrap's `--seccomp FD` reads.

use std::io::{Seek, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::OnceLock;

use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, TargetArch};

/// The denied system calls, by name (for `describe` and the tests) and number.
pub(crate) const DENIED: &[(&str, libc::c_long)] = &[
    ("ptrace", libc::SYS_ptrace),
    ("process_vm_readv", libc::SYS_process_vm_readv),
    ("process_vm_writev", libc::SYS_process_vm_writev),
    ("io_uring_setup", libc::SYS_io_uring_setup),
    ("io_uring_enter", libc::SYS_io_uring_enter),
    ("io_uring_register", libc::SYS_io_uring_register),
    ("bpf", libc::SYS_bpf),
    ("perf_event_open", libc::SYS_perf_event_open),
    ("userfaultfd", libc::SYS_userfaultfd),
    ("mount", libc::SYS_mount),
    ("umount2", libc::SYS_umount2),
    ("pivot_root", libc::SYS_pivot_root),
    ("move_mount", libc::SYS_move_mount),
    ("open_tree", libc::SYS_open_tree),
    ("fsopen", libc::SYS_fsopen),
    ("fsconfig", libc::SYS_fsconfig),
    ("fsmount", libc::SYS_fsmount),
    ("fspick", libc::SYS_fspick),
    ("mount_setattr", libc::SYS_mount_setattr),
    ("unshare", libc::SYS_unshare),
    ("setns", libc::SYS_setns),
    ("open_by_handle_at", libc::SYS_open_by_handle_at),
    ("name_to_handle_at", libc::SYS_name_to_handle_at),
    ("add_key", libc::SYS_add_key),
    ("request_key", libc::SYS_request_key),
    ("keyctl", libc::SYS_keyctl),
    ("init_module", libc::SYS_init_module),
    ("finit_module", libc::SYS_finit_module),
    ("delete_module", libc::SYS_delete_module),
    ("kexec_load", libc::SYS_kexec_load),
    ("kexec_file_load", libc::SYS_kexec_file_load),
    ("swapon", libc::SYS_swapon),
    ("swapoff", libc::SYS_swapoff),
    ("reboot", libc::SYS_reboot),
    ("acct", libc::SYS_acct),
];

/// The compiled filter as the kernel's `struct sock_filter` array, or why there is none (an
/// architecture `seccompiler` does not target).
fn program() -> Result<&'static [u8], &'static str> {
    static PROGRAM: OnceLock<Result<Vec<u8>, String>> = OnceLock::new();
    PROGRAM
        .get_or_init(compile)
        .as_ref()
        .map(Vec::as_slice)
        .map_err(String::as_str)
}

fn compile() -> Result<Vec<u8>, String> {
    let arch = TargetArch::try_from(std::env::consts::ARCH)
        .map_err(|err| format!("no seccomp filter for {}: {err:?}", std::env::consts::ARCH))?;
    let rules = DENIED.iter().map(|(_, nr)| (*nr, Vec::new())).collect();
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        arch,
    )
    .map_err(|err| format!("seccomp filter: {err}"))?;
    let program: BpfProgram = filter
        .try_into()
        .map_err(|err: seccompiler::BackendError| format!("seccomp filter: {err}"))?;
    let mut bytes = Vec::with_capacity(program.len() * 8);
    for instruction in &program {
        bytes.extend_from_slice(&instruction.code.to_ne_bytes());
        bytes.push(instruction.jt);
        bytes.push(instruction.jf);
        bytes.extend_from_slice(&instruction.k.to_ne_bytes());
    }
    Ok(bytes)
}

/// Whether runs get the filter here, for the start-up line.
pub(crate) fn describe() -> String {
    match program() {
        Ok(_) => format!("seccomp denies {} calls", DENIED.len()),
        Err(reason) => reason.to_owned(),
    }
}

/// A fresh descriptor holding the filter, read from its start: close-on-exec, so only the run it
/// is passed to (see [`crate::limits::keep_open`]) inherits it. `None` where there is no filter.
pub(crate) fn program_fd() -> std::io::Result<Option<OwnedFd>> {
    let Ok(program) = program() else {
        return Ok(None);
    };
    let fd = nix::sys::memfd::memfd_create(
        c"nightshift-seccomp",
        nix::sys::memfd::MFdFlags::MFD_CLOEXEC,
    )?;
    let mut file = std::fs::File::from(fd);
    file.write_all(program)?;
    file.rewind()?;
    Ok(Some(OwnedFd::from(file)))
}

/// bwrap's `--seccomp` argument for `fd`.
pub(crate) fn args(fd: &OwnedFd) -> [String; 2] {
    ["--seccomp".to_owned(), fd.as_raw_fd().to_string()]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn the_filter_compiles_here_and_names_each_call_once() {
        let program = program().unwrap();
        assert_eq!(program.len() % 8, 0);
        assert!(program.len() / 8 > DENIED.len());
        let mut seen = BTreeMap::new();
        for (name, nr) in DENIED {
            assert!(seen.insert(*nr, *name).is_none(), "{name} listed twice");
        }
    }
}
