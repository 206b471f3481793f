//! Lease owners: `host:pid:instance:worker`, where `host` names the host name, the boot and the
//! PID namespace together: a pid is only judged where it means the same process — two
//! containers sharing a host name (and a database file) never judge each other's workers by
//! their pids, which name other processes there.

use rand::Rng;

/// This process's identity, for lease owners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Host name, boot and PID namespace: `name.boot.pidns`.
    pub host: String,
    /// Process id.
    pub pid: u32,
    /// Random per process start: tells a restarted process from its predecessor when the
    /// operating system reuses the pid (common in containers).
    pub instance: String,
}

impl Identity {
    /// The identity of the running process.
    pub fn current() -> Self {
        let name = nix::unistd::gethostname()
            .ok()
            .and_then(|name| name.into_string().ok())
            .unwrap_or_else(|| "localhost".to_owned())
            .replace(':', "_");
        let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .map(|id| {
                id.trim()
                    .chars()
                    .filter(char::is_ascii_hexdigit)
                    .take(8)
                    .collect()
            })
            .unwrap_or_else(|_| "noboot".to_owned());
        // "pid:[4026531836]" → the namespace's inode.
        let pid_namespace = std::fs::read_link("/proc/self/ns/pid")
            .map(|link| {
                link.to_string_lossy()
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect::<String>()
            })
            .unwrap_or_else(|_| "nons".to_owned());
        let host = format!("{name}.{boot}.{pid_namespace}");
        Self {
            host,
            pid: std::process::id(),
            instance: format!("{:08x}", rand::rng().random::<u32>()),
        }
    }

    /// The lease owner of worker `index`.
    pub fn owner(&self, index: usize) -> String {
        format!("{}:{}:{}:w{index}", self.host, self.pid, self.instance)
    }

    /// Whether `owner` is a process of this host, boot and PID namespace that no longer runs.
    /// Other owners are never judged: their leases expire instead.
    pub fn is_dead(&self, owner: &str) -> bool {
        let mut parts = owner.rsplitn(4, ':');
        let (Some(_worker), Some(instance), Some(pid), Some(host)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return false;
        };
        if host != self.host {
            return false;
        }
        let Ok(pid) = pid.parse::<u32>() else {
            return false;
        };
        if pid == self.pid {
            return instance != self.instance;
        }
        let Ok(raw) = i32::try_from(pid) else {
            return false;
        };
        // Signal 0 only checks existence; ESRCH means no such process.
        matches!(
            nix::sys::signal::kill(nix::unistd::Pid::from_raw(raw), None),
            Err(nix::errno::Errno::ESRCH)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_only_local_dead_owners() {
        let me = Identity::current();
        assert!(!me.is_dead(&me.owner(0)));
        let predecessor = Identity {
            instance: "00000000".into(),
            ..me.clone()
        };
        assert!(me.is_dead(&predecessor.owner(1)));
        let gone = Identity {
            pid: 4_000_000, // above the kernel's pid_max limit: never alive
            ..me.clone()
        };
        assert!(me.is_dead(&gone.owner(0)));
        let remote = Identity {
            host: "elsewhere".into(),
            pid: 4_000_000,
            ..me.clone()
        };
        assert!(!me.is_dead(&remote.owner(0)));
        // Same host name, another PID namespace (a container): its pids are not ours to judge,
        // whether or not they name a live process here.
        let name = me.host.split('.').next().unwrap();
        for pid in [me.pid, 4_000_000] {
            let container = Identity {
                host: format!("{name}.{}", "0".repeat(8) + ".1"),
                pid,
                instance: "00000000".into(),
            };
            assert!(!me.is_dead(&container.owner(0)));
        }
        assert!(!me.is_dead("garbage"));
    }
}
