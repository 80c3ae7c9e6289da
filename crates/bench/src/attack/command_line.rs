//! Bad command lines: every numeric option out of its range (below,
//! above, negative, not a number, past 64 bits), bad board sizes, bad
//! endpoints, bad render modes, unknown flags, missing values, repeated
//! flags. Each must exit with status 2 after one line on standard error
//! naming the option, without ever listening.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::{Context, Error, Outcome};

/// The invalid invocations, each with the word its error must name.
const INVALID: &[(&[&str], &str)] = &[
    (&["--fuse-ms", "0"], "--fuse-ms"),
    (&["--fuse-ms", "60001"], "--fuse-ms"),
    (&["--fuse-ms", "-5"], "--fuse-ms"),
    (&["--fuse-ms", "abc"], "--fuse-ms"),
    (&["--fuse-ms", "99999999999999999999999"], "--fuse-ms"),
    (&["--fuse-ms"], "--fuse-ms"),
    (&["--burn-ms", "0"], "--burn-ms"),
    (&["--burn-ms", "60001"], "--burn-ms"),
    (&["--burn-ms", "1.5"], "--burn-ms"),
    (&["--frame-ms", "0"], "--frame-ms"),
    (&["--frame-ms", "1001"], "--frame-ms"),
    (&["--frame-ms", ""], "--frame-ms"),
    (&["--bots", "257"], "--bots"),
    (&["--bots", "-1"], "--bots"),
    (&["--bots", "9"], "--bots"),
    (&["--size", "3x3", "--bots", "5"], "--bots"),
    (&["--max-players", "4", "--bots", "5"], "--bots"),
    (&["--max-players", "0"], "--max-players"),
    (&["--max-players", "1025"], "--max-players"),
    (&["--seed", "-1"], "--seed"),
    (&["--seed", "18446744073709551616"], "--seed"),
    (&["--seed", "x"], "--seed"),
    (&["--join-timeout", "0"], "--join-timeout"),
    (&["--join-timeout", "3601"], "--join-timeout"),
    (&["--max-per-address", "0"], "--max-per-address"),
    (&["--max-per-address", "100001"], "--max-per-address"),
    (&["--size", "0x5"], "--size"),
    (&["--size", "11"], "--size"),
    (&["--size", "257x11"], "--size"),
    (&["--size", "11x-1"], "--size"),
    (&["--size", "axb"], "--size"),
    (&["--size", "11x11x11"], "--size"),
    (&["--listen", "tcp:80x"], "--listen"),
    (&["--listen", "tcp:port=99999"], "--listen"),
    (
        &["--listen", "tcp:port=8900:interface=not-an-ip"],
        "--listen",
    ),
    (&["--listen", "tcp:port=8900:backlog=0"], "--listen"),
    (&["--listen", "tcp:port=8900:colour=red"], "--listen"),
    (&["--listen", "unix:"], "--listen"),
    (&["--listen", "bogus:1"], "--listen"),
    (&["--listen"], "--listen"),
    (&["--render", "colour"], "--render"),
    (&["--colour"], "--colour"),
    (&["extra"], "extra"),
    (&["--classic", "--classic"], "--classic"),
];

/// How a short-lived run of a program ended.
pub struct Invocation {
    /// Its exit status; `None` if it was still running at the timeout
    /// (it was then killed).
    pub status: Option<ExitStatus>,
    /// What it wrote on standard error.
    pub stderr: String,
}

/// Runs `program` with `args`, killed if still running after `timeout`.
pub fn invoke(program: &Path, args: &[&str], timeout: Duration) -> std::io::Result<Invocation> {
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // SAFETY: prctl is async-signal-safe; the child dies with this thread.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let mut child = command.spawn()?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    Ok(Invocation { status, stderr })
}

pub fn run(context: &Context) -> Result<Vec<Outcome>, Error> {
    let boom = context.binary("boom");
    let mut outcome = Outcome::new(format!("{} invalid command lines", INVALID.len()));
    let mut good = 0;
    for (args, named) in INVALID {
        let run = invoke(&boom, args, Duration::from_secs(5))?;
        let lines = run.stderr.lines().count();
        let code = run.status.and_then(|s| s.code());
        if code == Some(2) && lines == 1 && run.stderr.contains(named) {
            good += 1;
        } else {
            outcome.check(
                true,
                format!(
                    "`boom {}`: status {code:?}, {lines} lines: {:?}",
                    args.join(" "),
                    run.stderr.trim_end()
                ),
            );
        }
    }
    outcome.drop_time = Some(format!(
        "{good} of {} exit with status 2 and one line naming the option",
        INVALID.len()
    ));
    outcome.detail(format!(
        "{good} of {} invalid invocations exit with status 2 after one line naming the option (and the valid values), none listens",
        INVALID.len()
    ));
    Ok(vec![outcome])
}
