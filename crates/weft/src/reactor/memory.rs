//! Giving freed memory back to the system.
//!
//! When most of a server's connections go away, what they held is freed,
//! but the allocator keeps it for later: a server that once held 20,000
//! players keeps their memory after they left. The reactor asks the
//! allocator to return it when a crowd leaves ([`CrowdWatch`]: rarely,
//! O(1) amortised per connection), so the resident size follows the crowd
//! down.

/// Below this many connections at its peak, a crowd leaving is not worth
/// a call to the allocator.
const CROWD: usize = 64;

/// Watches the number of connections for a crowd leaving: half of the
/// most held since the last time gone, or the last of a crowd gone.
#[derive(Debug, Default)]
pub(crate) struct CrowdWatch {
    /// The most connections held since the last crowd left.
    peak: usize,
    /// A crowd was held since there were none.
    held_a_crowd: bool,
}

impl CrowdWatch {
    /// A connection arrived; `count` are open now.
    pub(crate) fn arrived(&mut self, count: usize) {
        self.peak = self.peak.max(count);
        self.held_a_crowd |= count >= CROWD;
    }

    /// A connection left; `count` are open now. Whether a crowd just went.
    pub(crate) fn left(&mut self, count: usize) -> bool {
        let halved = self.peak >= CROWD && count <= self.peak / 2;
        let emptied = count == 0 && std::mem::take(&mut self.held_a_crowd);
        if halved || emptied {
            self.peak = count;
        }
        halved || emptied
    }
}

/// Returns the allocator's free memory to the system (glibc's
/// `malloc_trim`, which also releases free pages inside the heap); nothing
/// where the allocator has no such call.
pub(crate) fn give_back_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim only walks the allocator's own free lists; it
        // has no preconditions on the caller.
        unsafe {
            libc::malloc_trim(0);
        }
        tracing::debug!("gave freed memory back to the system");
    }
}

#[cfg(test)]
mod tests {
    use super::CrowdWatch;

    /// The counts at which a watch says a crowd went, as `n` connections
    /// arrive and then all leave.
    fn crowd_gone_at(n: usize) -> Vec<usize> {
        let mut watch = CrowdWatch::default();
        (1..=n).for_each(|count| watch.arrived(count));
        (0..n).rev().filter(|count| watch.left(*count)).collect()
    }

    #[test]
    fn a_crowd_leaving_is_noticed_at_each_halving_and_at_the_end() {
        assert_eq!(crowd_gone_at(1000), [500, 250, 125, 62, 0]);
        assert_eq!(crowd_gone_at(64), [32, 0]);
        assert!(
            crowd_gone_at(63).is_empty(),
            "a few connections are no crowd"
        );
    }
}
