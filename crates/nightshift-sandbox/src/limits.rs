//! Resource limits of a sandboxed run: rlimits set in the child before `exec`, and a pids cgroup
//! of its own when the machine offers one.
//!
//! The kernel ignores `RLIMIT_NPROC` for root, so as root a fork bomb is held by a cgroup v1
//! `pids` controller (`pids.max`), the child joining its cgroup before `exec`; as any other user
//! `RLIMIT_NPROC` does it. After the run every process still in the cgroup is killed, and the
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
    /// A cgroup v1 `pids` hierarchy: each run gets a child of this directory.
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

/// `<pids mount><own cgroup>/nightshift-<pid>`, created, if this process may make one.
fn pids_cgroup_base() -> Option<PathBuf> {
    let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let path = own.lines().find_map(|line| {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        controllers
            .split(',')
            .any(|c| c == "pids")
            .then(|| path.trim_start_matches('/').to_owned())
    })?;
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let mount = mounts.lines().find_map(|line| {
        let (left, right) = line.split_once(" - ")?;
        let mut right = right.split(' ');
        let (fstype, _, options) = (right.next()?, right.next()?, right.next()?);
        (fstype == "cgroup" && options.split(',').any(|o| o == "pids"))
            .then(|| left.split(' ').nth(4).map(PathBuf::from))
            .flatten()
    })?;
    let parent = mount.join(path);
    remove_dead_leftovers(&parent);
    let base = parent.join(format!("nightshift-{}", std::process::id()));
    match std::fs::create_dir(&base) {
        Ok(()) => Some(base),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Some(base),
        Err(err) => {
            tracing::debug!(%err, dir = %base.display(), "no pids cgroup");
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
