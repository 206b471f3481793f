//! Resource limits of a sandboxed run: rlimits set in the child before `exec`, and a pids cgroup
//! of its own when the machine offers one.
//!
//! The kernel ignores `RLIMIT_NPROC` for root (uid 0 of the host, whatever user namespace it is
//! in), so as root a fork bomb is held by a `pids` controller (`pids.max`, cgroup v1 or v2), the
//! child joining its cgroup before `exec`; as any other user `RLIMIT_NPROC` does it. After the run every process still in the cgroup is killed, and the
//! cgroup removed.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use nix::sys::resource::{Resource, setrlimit};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::process::Command;

/// Resource limits of one run; the CPU time limit comes from the run's time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most data memory per process (`RLIMIT_DATA`: heap and private mappings).
    pub memory_bytes: u64,
    /// Most processes (and threads) of the run at once.
    pub processes: u64,
    /// Largest file the run may write (`RLIMIT_FSIZE`).
    pub file_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_bytes: 2 << 30,
            processes: 256,
            file_bytes: 1 << 30,
        }
    }
}

/// How the process count is held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProcessCap {
    /// A `pids` cgroup (v1 or v2): each run gets a child of this directory.
    Cgroup(PathBuf),
    /// `RLIMIT_NPROC` (not enforced for root).
    Rlimit,
    /// Root without a usable pids cgroup: no cap.
    None,
}

impl ProcessCap {
    /// Picks the cap once per process; the cgroup directory is `nightshift-<pid>` beside this
    /// process's own pids cgroup, and leftovers of dead nightshift processes are removed.
    pub(crate) fn detect() -> Self {
        static CAP: OnceLock<ProcessCap> = OnceLock::new();
        CAP.get_or_init(|| {
            if let Some(dir) = pids_cgroup_base() {
                return Self::Cgroup(dir);
            }
            if nix::unistd::geteuid().is_root() {
                Self::None
            } else {
                Self::Rlimit
            }
        })
        .clone()
    }

    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Self::Cgroup(_) => "cgroup pids.max",
            Self::Rlimit => "RLIMIT_NPROC",
            Self::None => "not capped: root without a pids cgroup",
        }
    }
}

/// A `nightshift-<pid>` cgroup with the pids controller, created, if this process may make one:
/// under its own pids cgroup on cgroup v1, and on cgroup v2 under its own cgroup where that
/// delegates `pids` to its children, or else beside it (a cgroup that holds processes cannot
/// hand controllers to children, its parent can).
fn pids_cgroup_base() -> Option<PathBuf> {
    let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    pids_cgroup_base_in(&own, &mounts)
}

/// [`pids_cgroup_base`] given `/proc/self/cgroup` and `/proc/self/mountinfo`.
fn pids_cgroup_base_in(own: &str, mounts: &str) -> Option<PathBuf> {
    let (mount, path, unified) = pids_hierarchy(own, mounts)?;
    let own = mount.join(path);
    let name = format!("nightshift-{}", std::process::id());
    if !unified {
        return make_base(&own, &name, false);
    }
    let delegates = |dir: &Path| {
        std::fs::read_to_string(dir.join("cgroup.subtree_control"))
            .is_ok_and(|c| c.split_whitespace().any(|c| c == "pids"))
    };
    if delegates(&own) {
        return make_base(&own, &name, true);
    }
    let parent = own
        .parent()
        .filter(|p| p.starts_with(&mount) && delegates(p))?;
    make_base(parent, &name, true)
}

/// Where this process's pids controller lives: the hierarchy's mount point, the process's
/// cgroup inside it, and whether it is the unified (v2) hierarchy. A v1 `pids` hierarchy wins.
fn pids_hierarchy(own_cgroups: &str, mountinfo: &str) -> Option<(PathBuf, String, bool)> {
    let mut v1 = None;
    let mut v2 = None;
    for line in own_cgroups.lines() {
        let mut parts = line.splitn(3, ':');
        let (id, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        let path = path.trim_start_matches('/').to_owned();
        if controllers.split(',').any(|c| c == "pids") {
            v1 = Some(path);
        } else if id == "0" && controllers.is_empty() {
            v2 = Some(path);
        }
    }
    let mount_of = |wanted: &dyn Fn(&str, &str) -> bool| {
        mountinfo.lines().find_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let mut right = right.split(' ');
            let (fstype, _, options) = (right.next()?, right.next()?, right.next()?);
            wanted(fstype, options)
                .then(|| left.split(' ').nth(4).map(PathBuf::from))
                .flatten()
        })
    };
    if let Some(path) = v1 {
        let mount = mount_of(&|fstype, options| {
            fstype == "cgroup" && options.split(',').any(|o| o == "pids")
        })?;
        return Some((mount, path, false));
    }
    let mount = mount_of(&|fstype, _| fstype == "cgroup2")?;
    Some((mount, v2?, true))
}

/// Creates `parent/name` (removing leftovers of dead nightshift processes first); on cgroup v2
/// it hands `pids` on to the runs' cgroups below it.
fn make_base(parent: &Path, name: &str, unified: bool) -> Option<PathBuf> {
    remove_dead_leftovers(parent);
    let base = parent.join(name);
    let made = match std::fs::create_dir(&base) {
        Err(err) if err.kind() != std::io::ErrorKind::AlreadyExists => Err(err),
        _ if unified => std::fs::write(base.join("cgroup.subtree_control"), "+pids"),
        _ => Ok(()),
    };
    match made {
        Ok(()) => Some(base),
        Err(err) => {
            tracing::debug!(%err, dir = %base.display(), "no pids cgroup");
            drop(std::fs::remove_dir(&base));
            None
        }
    }
}

/// Removes `nightshift-<pid>` cgroups of processes that are gone (their runs were killed with
/// them, or are killed now).
fn remove_dead_leftovers(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("nightshift-"))
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        if Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let base = entry.path();
        if let Ok(runs) = std::fs::read_dir(&base) {
            for run in runs.flatten().filter(|r| r.path().is_dir()) {
                kill_members(&run.path());
                drop(std::fs::remove_dir(run.path()));
            }
        }
        drop(std::fs::remove_dir(&base));
    }
}

/// Sends SIGKILL to every process in a cgroup; returns how many there were.
fn kill_members(dir: &Path) -> usize {
    let Ok(listing) = std::fs::read_to_string(dir.join("cgroup.procs")) else {
        return 0;
    };
    let pids: Vec<i32> = listing.lines().filter_map(|l| l.parse().ok()).collect();
    for pid in &pids {
        let _ = kill(Pid::from_raw(*pid), Signal::SIGKILL);
    }
    pids.len()
}

/// The cgroup of one run.
#[derive(Debug)]
pub(crate) struct RunCgroup {
    dir: PathBuf,
}

impl RunCgroup {
    /// Creates `run-<n>` under `base` with `pids.max = processes`.
    pub(crate) fn create(base: &Path, processes: u64) -> std::io::Result<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = base.join(format!("run-{}", NEXT.fetch_add(1, Ordering::Relaxed)));
        std::fs::create_dir(&dir)?;
        let run = Self { dir };
        std::fs::write(run.dir.join("pids.max"), processes.to_string())?;
        Ok(run)
    }

    fn procs_file(&self) -> std::io::Result<CString> {
        CString::new(self.dir.join("cgroup.procs").as_os_str().as_bytes())
            .map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidInput, err))
    }

    /// Kills whatever is left in the cgroup and removes it.
    pub(crate) async fn release(self) {
        for _ in 0..100 {
            if try_remove(&self.dir) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tracing::warn!(dir = %self.dir.display(), "could not empty a run's cgroup");
    }
}

/// Kills what is in the cgroup at `dir`; removes it if it was empty. True once it is gone.
fn try_remove(dir: &Path) -> bool {
    !dir.exists() || (kill_members(dir) == 0 && std::fs::remove_dir(dir).is_ok())
}

impl Drop for RunCgroup {
    /// A run dropped before [`RunCgroup::release`] (its attempt was cancelled): kill and remove
    /// from a short-lived thread, as killed processes take a moment to leave.
    fn drop(&mut self) {
        if try_remove(&self.dir) {
            return;
        }
        let dir = self.dir.clone();
        std::thread::spawn(move || {
            for _ in 0..100 {
                if try_remove(&dir) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
    }
}

/// Makes the child join `cgroup` (if any) and take the limits, between fork and exec.
pub(crate) fn apply(
    cmd: &mut Command,
    limits: Limits,
    cpu: Duration,
    cap: &ProcessCap,
    cgroup: Option<&RunCgroup>,
) -> std::io::Result<()> {
    let procs = cgroup.map(RunCgroup::procs_file).transpose()?;
    let nproc = match cap {
        ProcessCap::Rlimit => Some(limits.processes + own_process_count()),
        ProcessCap::Cgroup(_) | ProcessCap::None => None,
    };
    let cpu_seconds = cpu.as_secs().saturating_add(1);
    let child_setup = move || -> std::io::Result<()> {
        if let Some(procs) = &procs {
            // "0" moves the writing process; nothing here allocates.
            let fd = nix::fcntl::open(
                procs.as_c_str(),
                nix::fcntl::OFlag::O_WRONLY,
                nix::sys::stat::Mode::empty(),
            )?;
            nix::unistd::write(&fd, b"0")?;
        }
        setrlimit(
            Resource::RLIMIT_DATA,
            limits.memory_bytes,
            limits.memory_bytes,
        )?;
        setrlimit(Resource::RLIMIT_FSIZE, limits.file_bytes, limits.file_bytes)?;
        setrlimit(Resource::RLIMIT_CPU, cpu_seconds, cpu_seconds)?;
        setrlimit(Resource::RLIMIT_CORE, 0, 0)?;
        if let Some(nproc) = nproc {
            setrlimit(Resource::RLIMIT_NPROC, nproc, nproc)?;
        }
        Ok(())
    };
    // SAFETY: the closure runs in the forked child before exec and only makes system calls
    // (open, write, setrlimit) on data prepared before the fork; it takes no locks and does not
    // allocate.
    #[allow(unsafe_code)]
    unsafe {
        cmd.pre_exec(child_setup);
    }
    Ok(())
}

/// Lets the child inherit `fd` (made close-on-exec so no other child does): bubblewrap reads
/// its seccomp filter from it.
#[allow(unsafe_code)]
pub(crate) fn keep_open(cmd: &mut Command, fd: std::os::fd::RawFd) {
    let child_setup = move || -> std::io::Result<()> {
        // SAFETY: `fd` is open in the parent until the child has been spawned, so it is open
        // in the child between fork and exec; clearing its flags only makes it survive exec.
        let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
        nix::fcntl::fcntl(
            fd,
            nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()),
        )?;
        Ok(())
    };
    // SAFETY: the closure runs in the forked child before exec and makes one system call
    // (fcntl); it takes no locks and does not allocate.
    unsafe {
        cmd.pre_exec(child_setup);
    }
}

/// Processes of this user now: `RLIMIT_NPROC` counts all of them, so the cap is on top.
fn own_process_count() -> u64 {
    let uid = nix::unistd::getuid().as_raw().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut count = 0;
    for entry in entries.flatten() {
        let is_pid = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()));
        if !is_pid {
            continue;
        }
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        let owner = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|l| l.split_whitespace().next());
        if owner == Some(uid.as_str()) {
            count += 1;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = "12:pids:/docker/abc\n11:memory:/docker/abc\n0::/\n";
    const V2: &str = "0::/system.slice/nightshift.service\n";

    fn mountinfo(v1_pids: &Path, v2: &Path) -> String {
        format!(
            "30 25 0:26 / {} rw,relatime shared:5 - cgroup cgroup rw,pids\n\
             31 25 0:27 / {} rw,nosuid shared:6 - cgroup2 cgroup2 rw,nsdelegate\n",
            v1_pids.display(),
            v2.display()
        )
    }

    #[test]
    fn a_v1_pids_hierarchy_wins_and_v2_is_found_without_one() {
        let mounts = mountinfo(
            Path::new("/sys/fs/cgroup/pids"),
            Path::new("/sys/fs/cgroup/unified"),
        );
        assert_eq!(
            pids_hierarchy(V1, &mounts),
            Some((
                PathBuf::from("/sys/fs/cgroup/pids"),
                "docker/abc".into(),
                false
            ))
        );
        assert_eq!(
            pids_hierarchy(V2, &mounts),
            Some((
                PathBuf::from("/sys/fs/cgroup/unified"),
                "system.slice/nightshift.service".into(),
                true
            ))
        );
        assert_eq!(pids_hierarchy(V2, ""), None);
    }

    #[test]
    fn on_v2_the_base_goes_where_pids_is_delegated() {
        let root = tempfile::tempdir().unwrap();
        let mounts = mountinfo(Path::new("/nonexistent"), root.path());
        let own = root.path().join("system.slice/nightshift.service");
        std::fs::create_dir_all(&own).unwrap();
        let name = format!("nightshift-{}", std::process::id());
        // Nothing delegates pids: no cap from here.
        assert_eq!(pids_cgroup_base_in(V2, &mounts), None);
        // The parent hands pids to its children (the usual systemd slice): a sibling.
        std::fs::write(
            root.path().join("system.slice/cgroup.subtree_control"),
            "cpu pids",
        )
        .unwrap();
        let base = pids_cgroup_base_in(V2, &mounts).unwrap();
        assert_eq!(base, root.path().join("system.slice").join(&name));
        assert_eq!(
            std::fs::read_to_string(base.join("cgroup.subtree_control")).unwrap(),
            "+pids"
        );
        // The own cgroup delegates (a delegated service): below it.
        std::fs::write(own.join("cgroup.subtree_control"), "pids").unwrap();
        assert_eq!(pids_cgroup_base_in(V2, &mounts).unwrap(), own.join(&name));
    }
}
