//! A process's CPU time, resident memory and open files, and the kernel's
//! TCP memory, read from `/proc`.

use std::io;
use std::time::Duration;

/// CPU time (user + system, all threads) used so far by process `pid`.
///
/// Read from `/proc/PID/stat`, so its resolution is one clock tick
/// (usually 10 ms): measure over seconds.
pub fn cpu_time(pid: u32) -> io::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let ticks = parse_stat_cpu_ticks(&stat)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "unexpected /proc/PID/stat"))?;
    // SAFETY: `sysconf` only reads a configuration value.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Ok(Duration::from_nanos(ticks * 1_000_000_000 / per_second))
}

/// `utime + stime` (fields 14 and 15) of a `/proc/PID/stat` line. The
/// command name (field 2) may contain spaces and parentheses, so fields
/// are counted from the last `)`.
fn parse_stat_cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace();
    // After the name come field 3 (state) ... ; utime is field 14, the
    // 12th after the name.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// Resident memory of process `pid` in KiB (`VmRSS` of `/proc/PID/status`).
pub fn rss_kib(pid: u32) -> io::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    parse_status_rss_kib(&status)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no VmRSS in /proc/PID/status"))
}

fn parse_status_rss_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Number of open file descriptors of process `pid` (entries of
/// `/proc/PID/fd`).
pub fn open_fds(pid: u32) -> io::Result<usize> {
    Ok(std::fs::read_dir(format!("/proc/{pid}/fd"))?.count())
}

/// The `TCP:` line of `/proc/net/sockstat`: sockets of this network
/// namespace and the kernel memory their buffers hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpSockets {
    /// Sockets in use (open, listening or connected).
    pub in_use: u64,
    /// Sockets no process holds any more that still have data to send or
    /// a close to finish (FIN-WAIT-1 with a full send queue, LAST-ACK …).
    pub orphans: u64,
    /// Sockets in TIME-WAIT.
    pub time_wait: u64,
    /// Memory of every TCP socket's queues, in pages.
    pub memory_pages: u64,
}

impl TcpSockets {
    /// [`TcpSockets::memory_pages`] in KiB.
    pub fn memory_kib(&self) -> u64 {
        pages_kib(self.memory_pages)
    }
}

/// `pages` of memory in KiB.
pub fn pages_kib(pages: u64) -> u64 {
    // SAFETY: `sysconf` only reads a configuration value.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as u64;
    pages * page / 1024
}

/// The kernel's TCP sockets and their memory now.
pub fn tcp_sockets() -> io::Result<TcpSockets> {
    let sockstat = std::fs::read_to_string("/proc/net/sockstat")?;
    parse_sockstat_tcp(&sockstat)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no TCP line in sockstat"))
}

/// `TCP: inuse 5 orphan 0 tw 2 alloc 7 mem 1`.
fn parse_sockstat_tcp(sockstat: &str) -> Option<TcpSockets> {
    let line = sockstat.lines().find_map(|l| l.strip_prefix("TCP:"))?;
    let words: Vec<&str> = line.split_whitespace().collect();
    let field = |name: &str| -> Option<u64> {
        let at = words.iter().position(|w| *w == name)?;
        words.get(at + 1)?.parse().ok()
    };
    Some(TcpSockets {
        in_use: field("inuse")?,
        orphans: field("orphan")?,
        time_wait: field("tw")?,
        memory_pages: field("mem")?,
    })
}

/// The bytes waiting in the kernel's queues of the connections of one
/// local TCP port (IPv4), from `/proc/net/tcp`: unlike `sockstat`, only
/// those connections, whatever else runs on the machine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PortQueues {
    /// Connections of the port (listening sockets left out).
    pub connections: usize,
    /// Bytes the port's side has written and the peer has not acknowledged
    /// (the send queues).
    pub send_bytes: u64,
    /// Bytes the peers (when on this machine) have received and not read.
    pub peer_receive_bytes: u64,
}

/// The queues of the connections of local port `port`.
pub fn port_queues(port: u16) -> io::Result<PortQueues> {
    let table = std::fs::read_to_string("/proc/net/tcp")?;
    Ok(parse_port_queues(&table, port))
}

/// Sums `tx_queue` of the sockets whose local port is `port` and
/// `rx_queue` of those whose remote port is `port`.
fn parse_port_queues(table: &str, port: u16) -> PortQueues {
    const LISTEN: &str = "0A";
    let port_of = |address: &str| {
        address
            .rsplit(':')
            .next()
            .and_then(|p| u16::from_str_radix(p, 16).ok())
    };
    let mut queues = PortQueues::default();
    for line in table.lines().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [_, local, remote, state, queued, ..] = fields[..] else {
            continue;
        };
        let Some((tx, rx)) = queued.split_once(':') else {
            continue;
        };
        let (tx, rx) = (
            u64::from_str_radix(tx, 16).unwrap_or(0),
            u64::from_str_radix(rx, 16).unwrap_or(0),
        );
        if state == LISTEN {
            continue;
        }
        if port_of(local) == Some(port) {
            queues.connections += 1;
            queues.send_bytes += tx;
        } else if port_of(remote) == Some(port) {
            queues.peer_receive_bytes += rx;
        }
    }
    queues
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utime_and_stime_past_a_tricky_name() {
        let stat = "42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 7 5 0 0 20 0 1 0 9 1 1";
        assert_eq!(parse_stat_cpu_ticks(stat), Some(12));
    }

    #[test]
    fn reads_vm_rss() {
        let status = "Name:\techo\nVmPeak:\t  9000 kB\nVmRSS:\t    1234 kB\nThreads:\t1\n";
        assert_eq!(parse_status_rss_kib(status), Some(1234));
    }

    #[test]
    fn reads_this_process() {
        let pid = std::process::id();
        assert!(rss_kib(pid).unwrap() > 0);
        assert!(open_fds(pid).unwrap() >= 3);
        cpu_time(pid).unwrap();
    }

    #[test]
    fn sums_the_queues_of_one_port() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:22C4 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 1 1
   1: 0100007F:22C4 0100007F:D000 01 00010000:00000000 00:00000000 00000000     0        0 2 1
   2: 0100007F:D000 0100007F:22C4 01 00000000:00020000 00:00000000 00000000     0        0 3 1
   3: 0100007F:1234 0100007F:5678 01 00000100:00000100 00:00000000 00000000     0        0 4 1
";
        assert_eq!(
            parse_port_queues(table, 0x22C4),
            PortQueues {
                connections: 1,
                send_bytes: 0x10000,
                peer_receive_bytes: 0x20000,
            }
        );
    }

    #[test]
    fn reads_the_tcp_line_of_sockstat() {
        let sockstat = "sockets: used 118\nTCP: inuse 103 orphan 2 tw 43 alloc 105 mem 47932\nUDP: inuse 0 mem 0\n";
        assert_eq!(
            parse_sockstat_tcp(sockstat),
            Some(TcpSockets {
                in_use: 103,
                orphans: 2,
                time_wait: 43,
                memory_pages: 47932,
            })
        );
        assert_eq!(parse_sockstat_tcp("UDP: inuse 0 mem 0\n"), None);
    }
}
