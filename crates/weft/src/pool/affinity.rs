//! Pinning a reactor's thread to one core.

/// Pins the calling thread to core `index` (modulo the cores the process
/// may run on); logs a warning where that is not possible.
pub(crate) fn pin_to_core(index: usize) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `cpu_set_t` is plain data for which all zeroes is the
        // empty set; the CPU_* helpers and sched_{get,set}affinity only
        // read and write the set passed to them, of the size given.
        let pinned = unsafe {
            let mut allowed: libc::cpu_set_t = std::mem::zeroed();
            let size = std::mem::size_of::<libc::cpu_set_t>();
            if libc::sched_getaffinity(0, size, &mut allowed) != 0 {
                false
            } else {
                let cores: Vec<usize> = (0..libc::CPU_SETSIZE as usize)
                    .filter(|&cpu| libc::CPU_ISSET(cpu, &allowed))
                    .collect();
                let mut one: libc::cpu_set_t = std::mem::zeroed();
                match cores.get(index % cores.len().max(1)) {
                    Some(&cpu) => {
                        libc::CPU_SET(cpu, &mut one);
                        libc::sched_setaffinity(0, size, &one) == 0
                    }
                    None => false,
                }
            }
        };
        if pinned {
            return;
        }
    }
    tracing::warn!(
        index,
        "cannot pin this reactor's thread to a core; it runs unpinned"
    );
}
