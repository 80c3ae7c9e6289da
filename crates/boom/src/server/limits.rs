//! The process limits a server with many players needs.

/// Raises this process's open-file soft limit to its hard limit, so that
/// many players can connect; returns the soft limit now in force. A
/// failure leaves the limit as it was (and is logged).
pub fn raise_open_file_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write `limit`.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            tracing::warn!("could not read the open-file limit");
            return 0;
        }
        if limit.rlim_cur < limit.rlim_max {
            let soft = limit.rlim_cur;
            limit.rlim_cur = limit.rlim_max;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                tracing::warn!("could not raise the open-file limit");
                return soft;
            }
        }
        limit.rlim_cur
    }
}
